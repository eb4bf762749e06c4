package dev.sfere.cdi;

import jakarta.enterprise.context.ApplicationScoped;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The parsed template of each {@code @SfereKey} method the interceptor meets, parsed on its first call and kept for
 * the life of the application. Either extension has already checked every such method at deployment (or at build
 * time, on Quarkus), so parsing here does not fail; a bean rather than the extension keeps them because a build
 * compatible extension has no instance at run time. Thread-safe.
 */
@ApplicationScoped
class KeyTemplates {

    private final Map<Method, KeyTemplate> templates = new ConcurrentHashMap<>();

    /**
     * The template of a method.
     *
     * @param method an {@code @SfereKey} method
     * @return its template
     */
    KeyTemplate of(Method method) {
        return templates.computeIfAbsent(method, KeyTemplate::of);
    }
}
