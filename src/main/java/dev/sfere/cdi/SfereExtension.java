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
import jakarta.enterprise.inject.spi.AnnotatedMethod;
import jakarta.enterprise.inject.spi.AnnotatedType;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.BeforeBeanDiscovery;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessAnnotatedType;
import jakarta.enterprise.inject.spi.ProcessBean;
import jakarta.enterprise.inject.spi.WithAnnotations;
import jakarta.interceptor.Interceptor;
import org.eclipse.microprofile.config.ConfigProvider;

import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * The portable extension: adds the library's beans, checks every {@link SfereKey} at deployment, supplies the
 * default {@link ConnectionStore} and {@link ScopeResolver} unless the application has its own, and checks the
 * configuration.
 */
public class SfereExtension implements Extension {

    private final List<String> definitionErrors = new ArrayList<>();
    private boolean applicationStore;
    private boolean applicationScopeResolver;
    private volatile SfereConfig config;
    /** The class whose presence shows the NATS client is there; another name only in tests. */
    String natsClient = "io.nats.client.Nats";

    /** Created by the container through {@link java.util.ServiceLoader}. */
    public SfereExtension() {
    }

    void addLibraryBeans(@Observes BeforeBeanDiscovery discovery, BeanManager manager) {
        for (Class<?> type : List.of(ConnectionLifecycle.class, StoreBroadcaster.class, SfereKeyInterceptor.class,
                LibraryDirectory.class)) {
            discovery.addAnnotatedType(manager.createAnnotatedType(type), SfereExtension.class.getName() + "."
                    + type.getSimpleName());
        }
    }

    <T> void checkKeyedMethods(@Observes @WithAnnotations(SfereKey.class) ProcessAnnotatedType<T> event) {
        AnnotatedType<T> type = event.getAnnotatedType();
        if (type.isAnnotationPresent(Interceptor.class)) {
            return;
        }
        if (type.isAnnotationPresent(SfereKey.class)) {
            definitionErrors.add("SFERE-007: @SfereKey on the class " + type.getJavaClass().getName()
                    + " is not supported; put it on the SSE resource methods");
        }
        for (AnnotatedMethod<? super T> method : type.getMethods()) {
            if (method.isAnnotationPresent(SfereKey.class)) {
                try {
                    KeyTemplate.of(method.getJavaMember());
                } catch (IllegalArgumentException e) {
                    definitionErrors.add(e.getMessage());
                }
            }
        }
    }

    void noticeApplicationBeans(@Observes ProcessBean<?> event) {
        if (!event.getBean().getQualifiers().contains(Default.Literal.INSTANCE)) {
            return;
        }
        for (Type type : event.getBean().getTypes()) {
            if (type == ConnectionStore.class) {
                applicationStore = true;
            } else if (type == ScopeResolver.class) {
                applicationScopeResolver = true;
            }
        }
    }

    void addDefaults(@Observes AfterBeanDiscovery discovery) {
        definitionErrors.forEach(message -> discovery.addDefinitionError(new IllegalStateException(message)));
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
    }

    void checkConfiguration(@Observes AfterDeploymentValidation validation) {
        try {
            if (config().nats() != null && !classPresent(natsClient)) {
                validation.addDeploymentProblem(new IllegalStateException("SFERE-101: " + SfereConfig.CLUSTER_TYPE
                        + "=nats needs the NATS Java client on the application's class path; add the dependency "
                        + "io.nats:jnats (version 2.26.2 is tested) to the application"));
            }
        } catch (IllegalArgumentException e) {
            validation.addDeploymentProblem(e);
        }
    }

    private static boolean classPresent(String name) {
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
