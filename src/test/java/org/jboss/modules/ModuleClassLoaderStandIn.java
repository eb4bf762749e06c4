package org.jboss.modules;

/** A class loader whose class is in JBoss Modules' package, as WildFly's module class loaders are. */
public class ModuleClassLoaderStandIn extends ClassLoader {
}
