package dev.sfere.cdi;

import dev.sfere.ScopeResolver;
import dev.sfere.SfereKey;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.store.Stores;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Default;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.BeforeBeanDiscovery;
import jakarta.enterprise.inject.spi.DefinitionException;
import jakarta.enterprise.inject.spi.Decorator;
import jakarta.enterprise.inject.spi.DeploymentException;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessAnnotatedType;
import jakarta.enterprise.inject.spi.ProcessBean;
import jakarta.enterprise.inject.spi.WithAnnotations;
import jakarta.enterprise.inject.spi.configurator.AnnotatedMethodConfigurator;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.ConfigProvider;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The portable extension: adds the library's beans, checks every {@link SfereKey} at deployment, supplies the
 * default {@link ConnectionStore} and {@link ScopeResolver} unless the application has its own, and checks the
 * configuration.
 */
public class SfereExtension implements Extension {

    private final List<DefinitionException> definitionErrors = new ArrayList<>();
    /** Every {@code @SfereKey} method's template, parsed at deployment; the interceptor reads them here. */
    private final Map<Method, KeyTemplate> templates = new ConcurrentHashMap<>();
    private boolean applicationStore;
    private boolean applicationScopeResolver;
    /** Decorators of the store or the resolver, by the type they decorate: CDI decorates no bean the library adds. */
    private final Map<Type, String> decorators = new HashMap<>();
    private volatile SfereConfig config;
    /** The class whose presence shows the NATS client is there; another name only in tests. */
    String natsClient = "io.nats.client.Nats";
    /** The class whose presence shows MicroProfile Health is there; another name only in tests. */
    String healthApi = "org.eclipse.microprofile.health.HealthCheck";

    /** Created by the container through {@link java.util.ServiceLoader}. */
    public SfereExtension() {
    }

    void addLibraryBeans(@Observes BeforeBeanDiscovery discovery, BeanManager manager) {
        for (Class<?> type : List.of(ConnectionLifecycle.class, StoreBroadcaster.class, SfereKeyInterceptor.class,
                LibraryDirectory.class, LibraryConnections.class)) {
            discovery.addAnnotatedType(manager.createAnnotatedType(type), SfereExtension.class.getName() + "."
                    + type.getSimpleName());
        }
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, SfereExtension.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Parses every {@code @SfereKey} method's template once, reporting misuse, and binds the library's interceptor to
     * the method.
     */
    <T> void bindKeyedMethods(@Observes @WithAnnotations(SfereKey.class) ProcessAnnotatedType<T> event) {
        for (AnnotatedMethodConfigurator<? super T> method : event.configureAnnotatedType().methods()) {
            if (method.getAnnotated().isAnnotationPresent(SfereKey.class)) {
                Method member = method.getAnnotated().getJavaMember();
                try {
                    templates.put(member, KeyTemplate.of(member));
                } catch (DefinitionException e) {
                    definitionErrors.add(e);
                }
                method.add(Registering.Literal.INSTANCE);
            }
        }
    }

    /**
     * The parsed template of an {@code @SfereKey} method. A method the extension did not see at deployment (one the
     * interceptor reached by inheritance under another {@link Method}, say) is parsed once, now.
     */
    KeyTemplate template(Method method) {
        return templates.computeIfAbsent(method, KeyTemplate::of);
    }

    void noticeApplicationBeans(@Observes ProcessBean<?> event) {
        if (event.getBean() instanceof Decorator<?> decorator) {
            // It has the store's types without being a store of its own.
            for (Type type : decorator.getDecoratedTypes()) {
                if (type == ConnectionStore.class || type == ScopeResolver.class) {
                    decorators.put(type, decorator.getBeanClass().getName());
                }
            }
            return;
        }
        if (event.getBean() instanceof jakarta.enterprise.inject.spi.Interceptor<?>
                || !event.getBean().getQualifiers().contains(Default.Literal.INSTANCE)) {
            return;
        }
        for (Type type : event.getBean().getTypes()) {
            if (type == ConnectionStore.class) {
                applicationStore = true;
                Class<? extends Annotation> scope = event.getBean().getScope();
                if (scope != ApplicationScoped.class && scope != Singleton.class) {
                    // Each injection point would get a store of its own: the broadcaster would not see the
                    // connections the interceptor stored.
                    definitionErrors.add(Problems.storeNotShared(event.getBean(), scope.getSimpleName()));
                }
            } else if (type == ScopeResolver.class) {
                applicationScopeResolver = true;
            }
        }
    }

    void addDefaults(@Observes AfterBeanDiscovery discovery, BeanManager manager) {
        if (!applicationStore) {
            undecoratable(ConnectionStore.class, "ConnectionStore that returns your wrapper around "
                    + "Stores.caffeine()...build()");
        }
        if (!applicationScopeResolver) {
            undecoratable(ScopeResolver.class, "ScopeResolver that returns your own resolver");
        }
        definitionErrors.forEach(discovery::addDefinitionError);
        if (!applicationStore) {
            discovery.addBean()
                    .beanClass(SfereExtension.class)
                    .types(ConnectionStore.class, Object.class)
                    .scope(ApplicationScoped.class)
                    .id(SfereExtension.class.getName() + ".ConnectionStore")
                    .createWith(context -> createStore(config()));
        }
        if (!applicationScopeResolver) {
            discovery.addBean()
                    .beanClass(SfereExtension.class)
                    .types(ScopeResolver.class, Object.class)
                    .scope(ApplicationScoped.class)
                    .id(SfereExtension.class.getName() + ".ScopeResolver")
                    .createWith(context -> new DefaultScopeResolver(config().defaultScope()));
        }
        if (present(healthApi)) {
            // MicroProfile Health is optional: its checks are added only where the runtime has the API.
            HealthChecks.addBeans(discovery, manager);
        }
    }

    /** A decorator of a bean the library adds would be silently left out: CDI decorates only the application's. */
    private void undecoratable(Class<?> type, String own) {
        String decorator = decorators.get(type);
        if (decorator != null) {
            definitionErrors.add(Problems.undecoratedDefault(decorator, type.getSimpleName(), own));
        }
    }

    void checkConfiguration(@Observes AfterDeploymentValidation validation) {
        try {
            if (config().nats() != null && !classPresent(natsClient)) {
                validation.addDeploymentProblem(Problems.natsClientMissing(SfereConfig.CLUSTER_TYPE));
            }
        } catch (DeploymentException e) {
            validation.addDeploymentProblem(e);
        }
    }

    static boolean classPresent(String name) {
        for (ClassLoader loader : new ClassLoader[] {Thread.currentThread().getContextClassLoader(),
                SfereExtension.class.getClassLoader()}) {
            try {
                Class.forName(name, false, loader);
                return true;
            } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
                // try the next loader
            }
        }
        return false;
    }

    /** The configuration, read once. */
    SfereConfig config() {
        SfereConfig read = config;
        if (read == null) {
            read = SfereConfig.from(ConfigProvider.getConfig());
            config = read;
        }
        return read;
    }

    private static ConnectionStore createStore(SfereConfig config) {
        return switch (config.storeType()) {
            case MEMORY -> Stores.memory();
            case CAFFEINE -> Stores.caffeine()
                    .duration(config.storeDuration())
                    .maximumSize(config.maximumSize())
                    .expiryMode(config.expiryMode())
                    .build();
        };
    }

    /** The default scope resolver: one scope for everyone, from configuration. */
    private record DefaultScopeResolver(String scope) implements ScopeResolver {
    }
}
