package dev.sfere.cdi;

import dev.sfere.ScopeResolver;
import dev.sfere.SfereKey;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.store.Stores;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.DefinitionException;
import jakarta.enterprise.inject.spi.DeploymentException;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.ConfigProvider;

import java.lang.reflect.Method;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What both extensions add and check, written once: the portable {@link SfereExtension} (Weld, Open Liberty, Payara,
 * WildFly) and the build compatible {@link SfereBuildExtension} (Quarkus's ArC) differ only in when the container
 * asks. Problems are handed to the caller, which reports them the way its container expects.
 */
final class SfereBeans {

    /** The class whose presence shows the NATS client is there. */
    static final String NATS_CLIENT = "io.nats.client.Nats";
    /** The class whose presence shows MicroProfile Health is there. */
    static final String HEALTH_API = "org.eclipse.microprofile.health.HealthCheck";

    private SfereBeans() {
    }

    /**
     * The library's own beans, which its jar declares without a {@code beans.xml}. The health checks are not among
     * them: MicroProfile Health is optional, and each extension adds them its own way where the API is there
     * ({@link HealthChecks}).
     *
     * @return the bean classes
     */
    static List<Class<?>> types() {
        return List.of(ConnectionLifecycle.class, StoreBroadcaster.class, SfereKeyInterceptor.class,
                KeyTemplates.class, LibraryDirectory.class, LibraryConnections.class);
    }

    /**
     * Checks one {@code @SfereKey} method.
     *
     * @param method   the method
     * @param problems receives the misuse found, with its SFERE code
     */
    static void checkKeyedMethod(Method method, Consumer<? super DefinitionException> problems) {
        try {
            KeyTemplate.of(method);
        } catch (DefinitionException e) {
            problems.accept(e);
        }
    }

    /**
     * Checks every {@code @SfereKey} method a class declares.
     *
     * @param type     the class
     * @param problems receives the misuse found, with its SFERE code
     */
    static void checkKeyedMethods(Class<?> type, Consumer<? super DefinitionException> problems) {
        for (Method method : type.getDeclaredMethods()) {
            if (method.isAnnotationPresent(SfereKey.class)) {
                checkKeyedMethod(method, problems);
            }
        }
    }

    /**
     * Checks the scope of the application's own {@link ConnectionStore}: each injection point would otherwise get a
     * store of its own, and the broadcaster would not see the connections the interceptor stored.
     *
     * @param bean      the store's bean, as the message names it
     * @param scopeName the fully qualified name of its scope annotation
     * @param problems  receives SFERE-011 if the store is not shared
     */
    static void checkStoreScope(Object bean, String scopeName, Consumer<? super DefinitionException> problems) {
        if (!scopeName.equals(ApplicationScoped.class.getName()) && !scopeName.equals(Singleton.class.getName())) {
            problems.accept(Problems.storeNotShared(bean, scopeName.substring(scopeName.lastIndexOf('.') + 1)));
        }
    }

    /**
     * Checks the configuration.
     *
     * @param config     reads the configuration, throwing a {@link DeploymentException} for a bad value
     * @param natsClient the class whose presence shows the NATS client (another name only in tests)
     * @param problems   receives each problem, with its SFERE code
     */
    static void checkConfiguration(Supplier<SfereConfig> config, String natsClient,
                                   Consumer<? super DeploymentException> problems) {
        try {
            if (config.get().nats() != null && !classPresent(natsClient)) {
                problems.accept(Problems.natsClientMissing(SfereConfig.CLUSTER_TYPE));
            }
        } catch (DeploymentException e) {
            problems.accept(e);
        }
    }

    /**
     * The application's configuration.
     *
     * @return the settings
     * @throws DeploymentException naming the key and the value, if a value is bad
     */
    static SfereConfig readConfig() {
        return SfereConfig.from(ConfigProvider.getConfig());
    }

    /**
     * The store the library provides when the application has none.
     *
     * @param config the settings
     * @return a new store
     */
    static ConnectionStore defaultStore(SfereConfig config) {
        return switch (config.storeType()) {
            case MEMORY -> Stores.memory();
            case CAFFEINE -> Stores.caffeine()
                    .duration(config.storeDuration())
                    .maximumSize(config.maximumSize())
                    .expiryMode(config.expiryMode())
                    .build();
        };
    }

    /**
     * The scope resolver the library provides when the application has none: one scope for everyone.
     *
     * @param config the settings
     * @return the resolver
     */
    static ScopeResolver defaultScopeResolver(SfereConfig config) {
        return new DefaultScopeResolver(config.defaultScope());
    }

    /** Whether a class can be loaded, by the application's class loader or the library's. */
    static boolean classPresent(String name) {
        for (ClassLoader loader : new ClassLoader[] {Thread.currentThread().getContextClassLoader(),
                SfereBeans.class.getClassLoader()}) {
            try {
                Class.forName(name, false, loader);
                return true;
            } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
                // try the next loader
            }
        }
        return false;
    }

    /** Whether the library's own class loader sees a class: the health checks are loaded by it. */
    static boolean libraryCanLoad(String name) {
        try {
            Class.forName(name, false, SfereBeans.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** The default scope resolver: one scope for everyone, from configuration. */
    private record DefaultScopeResolver(String scope) implements ScopeResolver {
    }
}
