package dev.sfere.cdi;

import dev.sfere.ScopeResolver;
import dev.sfere.SfereKey;
import dev.sfere.spi.ConnectionStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.build.compatible.spi.BeanInfo;
import jakarta.enterprise.inject.build.compatible.spi.BuildCompatibleExtension;
import jakarta.enterprise.inject.build.compatible.spi.ClassConfig;
import jakarta.enterprise.inject.build.compatible.spi.Discovery;
import jakarta.enterprise.inject.build.compatible.spi.Enhancement;
import jakarta.enterprise.inject.build.compatible.spi.MethodConfig;
import jakarta.enterprise.inject.build.compatible.spi.Messages;
import jakarta.enterprise.inject.build.compatible.spi.Parameters;
import jakarta.enterprise.inject.build.compatible.spi.Registration;
import jakarta.enterprise.inject.build.compatible.spi.ScannedClasses;
import jakarta.enterprise.inject.build.compatible.spi.SkipIfPortableExtensionPresent;
import jakarta.enterprise.inject.build.compatible.spi.Synthesis;
import jakarta.enterprise.inject.build.compatible.spi.SyntheticBeanCreator;
import jakarta.enterprise.inject.build.compatible.spi.SyntheticComponents;
import jakarta.enterprise.inject.build.compatible.spi.Validation;
import jakarta.enterprise.lang.model.AnnotationInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The build compatible extension, for containers that run no portable extension (Quarkus's ArC): the same as
 * {@link SfereExtension}, through the same {@link SfereBeans}, at build time. It adds the library's beans, binds the
 * library's interceptor to every {@link SfereKey} method and checks it, supplies the default {@link ConnectionStore}
 * and {@link ScopeResolver} unless the application has its own, and checks the configuration. A container that runs
 * the portable extension skips this one.
 *
 * <p>One difference: the build compatible API tells nothing of decorators, so a decorator of the default store
 * (SFERE-010 under the portable extension) is not reported here.
 */
@SkipIfPortableExtensionPresent(SfereExtension.class)
public class SfereBuildExtension implements BuildCompatibleExtension {

    private static final Logger LOG = Logger.getLogger(SfereBuildExtension.class.getName());

    private final List<Exception> problems = new ArrayList<>();
    private boolean applicationStore;
    private boolean applicationScopeResolver;

    /** Created by the container through {@link java.util.ServiceLoader}. */
    public SfereBuildExtension() {
    }

    /**
     * Adds the library's beans and its interceptor binding, which the library's jar declares without a
     * {@code beans.xml}.
     *
     * @param scan the classes the container discovers
     */
    @Discovery
    public void addLibraryBeans(ScannedClasses scan) {
        scan.add(Registering.class.getName());
        for (Class<?> type : SfereBeans.types()) {
            scan.add(type.getName());
        }
        if (SfereBeans.libraryCanLoad(SfereBeans.HEALTH_API)) {
            // MicroProfile Health is optional: HealthChecks is loaded only where the runtime has the API.
            for (Class<?> type : HealthChecks.SCANNED) {
                scan.add(type.getName());
            }
        }
    }

    /**
     * Binds the library's interceptor to every {@code @SfereKey} method of a class, and checks each.
     *
     * @param type a class with an {@code @SfereKey} method
     */
    @Enhancement(types = Object.class, withSubtypes = true, withAnnotations = SfereKey.class)
    public void bindKeyedMethods(ClassConfig type) {
        boolean keyed = false;
        for (MethodConfig method : type.methods()) {
            if (method.info().hasAnnotation(SfereKey.class)) {
                method.addAnnotation(Registering.class);
                keyed = true;
            }
        }
        if (keyed) {
            Class<?> loaded = load(type.info().name());
            if (loaded != null) {
                SfereBeans.checkKeyedMethods(loaded, problems::add);
            }
        }
    }

    /** The class, for the checks shared with the portable extension, which read annotations by reflection. */
    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            // The first request to the method reports the misuse instead.
            LOG.log(Level.FINE, "Sfere: " + name + " cannot be loaded at build time; its @SfereKey methods are "
                    + "checked at their first call", e);
            return null;
        }
    }

    /**
     * Notes an application's own store, whose scope must let the whole application share it.
     *
     * @param bean a bean of type {@code ConnectionStore}
     */
    @Registration(types = ConnectionStore.class)
    public void noticeStore(BeanInfo bean) {
        if (applicationBean(bean)) {
            applicationStore = true;
            SfereBeans.checkStoreScope(bean.declaringClass().name() + describe(bean),
                    bean.scope().annotation().name(), problems::add);
        }
    }

    /**
     * Notes an application's own scope resolver.
     *
     * @param bean a bean of type {@code ScopeResolver}
     */
    @Registration(types = ScopeResolver.class)
    public void noticeScopeResolver(BeanInfo bean) {
        if (applicationBean(bean)) {
            applicationScopeResolver = true;
        }
    }

    /** A bean that answers a plain injection point, as the library's own do; not an interceptor. */
    private static boolean applicationBean(BeanInfo bean) {
        if (bean.isInterceptor()) {
            return false;
        }
        for (AnnotationInfo qualifier : bean.qualifiers()) {
            if (qualifier.name().equals(Default.class.getName())) {
                return true;
            }
        }
        return false;
    }

    private static String describe(BeanInfo bean) {
        if (bean.isProducerMethod()) {
            return "." + bean.producerMethod().name() + "()";
        }
        return bean.isProducerField() ? "." + bean.producerField().name() : "";
    }

    /**
     * Adds the default store and scope resolver where the application has none.
     *
     * @param components where synthetic beans are added
     */
    @Synthesis
    public void addDefaults(SyntheticComponents components) {
        if (!applicationStore) {
            components.addBean(ConnectionStore.class).type(ConnectionStore.class).scope(ApplicationScoped.class)
                    .createWith(DefaultStore.class);
        }
        if (!applicationScopeResolver) {
            components.addBean(ScopeResolver.class).type(ScopeResolver.class).scope(ApplicationScoped.class)
                    .createWith(DefaultScopeResolver.class);
        }
    }

    /**
     * Reports the misuse found, then checks the configuration.
     *
     * @param messages where problems are reported; each fails the build
     */
    @Validation
    public void report(Messages messages) {
        problems.forEach(messages::error);
        SfereBeans.checkConfiguration(SfereBeans::readConfig, SfereBeans.NATS_CLIENT, messages::error);
    }

    /** Creates the default store, from the configuration. For the container only. */
    public static final class DefaultStore implements SyntheticBeanCreator<ConnectionStore> {

        /** For the container only. */
        public DefaultStore() {
        }

        @Override
        public ConnectionStore create(Instance<Object> lookup, Parameters params) {
            return SfereBeans.defaultStore(SfereBeans.readConfig());
        }
    }

    /** Creates the default scope resolver, from the configuration. For the container only. */
    public static final class DefaultScopeResolver implements SyntheticBeanCreator<ScopeResolver> {

        /** For the container only. */
        public DefaultScopeResolver() {
        }

        @Override
        public ScopeResolver create(Instance<Object> lookup, Parameters params) {
            return SfereBeans.defaultScopeResolver(SfereBeans.readConfig());
        }
    }
}
