package dev.sfere.cdi;

import dev.sfere.ScopeResolver;
import dev.sfere.SfereKey;
import dev.sfere.spi.ConnectionStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Default;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.BeforeBeanDiscovery;
import jakarta.enterprise.inject.spi.DefinitionException;
import jakarta.enterprise.inject.spi.Decorator;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessAnnotatedType;
import jakarta.enterprise.inject.spi.ProcessBean;
import jakarta.enterprise.inject.spi.WithAnnotations;
import jakarta.enterprise.inject.spi.configurator.AnnotatedMethodConfigurator;

import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The portable extension: adds the library's beans, checks every {@link SfereKey} at deployment, supplies the
 * default {@link ConnectionStore} and {@link ScopeResolver} unless the application has its own, and checks the
 * configuration. Used by containers that run portable extensions (Weld, and so Open Liberty, Payara and WildFly);
 * {@link SfereBuildExtension} does the same on Quarkus, through {@link SfereBeans}, which both share.
 */
public class SfereExtension implements Extension {

    private final List<DefinitionException> definitionErrors = new ArrayList<>();
    private boolean applicationStore;
    private boolean applicationScopeResolver;
    /** Decorators of the store or the resolver, by the type they decorate: CDI decorates no bean the library adds. */
    private final Map<Type, String> decorators = new HashMap<>();
    private volatile SfereConfig config;
    /** The class whose presence shows the NATS client is there; another name only in tests. */
    String natsClient = SfereBeans.NATS_CLIENT;
    /** The class whose presence shows MicroProfile Health is there; another name only in tests. */
    String healthApi = SfereBeans.HEALTH_API;

    /** Created by the container through {@link java.util.ServiceLoader}. */
    public SfereExtension() {
    }

    void addLibraryBeans(@Observes BeforeBeanDiscovery discovery, BeanManager manager) {
        for (Class<?> type : SfereBeans.types()) {
            discovery.addAnnotatedType(manager.createAnnotatedType(type), SfereExtension.class.getName() + "."
                    + type.getSimpleName());
        }
    }

    /** Checks every {@code @SfereKey} method, reporting misuse, and binds the library's interceptor to the method. */
    <T> void bindKeyedMethods(@Observes @WithAnnotations(SfereKey.class) ProcessAnnotatedType<T> event) {
        for (AnnotatedMethodConfigurator<? super T> method : event.configureAnnotatedType().methods()) {
            if (method.getAnnotated().isAnnotationPresent(SfereKey.class)) {
                SfereBeans.checkKeyedMethod(method.getAnnotated().getJavaMember(), definitionErrors::add);
                method.add(Registering.Literal.INSTANCE);
            }
        }
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
                SfereBeans.checkStoreScope(event.getBean(), event.getBean().getScope().getName(),
                        definitionErrors::add);
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
                    .createWith(context -> SfereBeans.defaultStore(config()));
        }
        if (!applicationScopeResolver) {
            discovery.addBean()
                    .beanClass(SfereExtension.class)
                    .types(ScopeResolver.class, Object.class)
                    .scope(ApplicationScoped.class)
                    .id(SfereExtension.class.getName() + ".ScopeResolver")
                    .createWith(context -> SfereBeans.defaultScopeResolver(config()));
        }
        if (SfereBeans.libraryCanLoad(healthApi)) {
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
        SfereBeans.checkConfiguration(this::config, natsClient, validation::addDeploymentProblem);
    }

    /** The configuration, read once. */
    private SfereConfig config() {
        SfereConfig read = config;
        if (read == null) {
            read = SfereBeans.readConfig();
            config = read;
        }
        return read;
    }
}
