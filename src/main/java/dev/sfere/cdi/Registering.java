package dev.sfere.cdi;

import jakarta.enterprise.util.AnnotationLiteral;
import jakarta.interceptor.InterceptorBinding;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The library's own interceptor binding: the extension adds it to every {@code @SfereKey} method at deployment, so
 * that {@code @SfereKey} itself stays a plain method annotation. Internal: applications never write it.
 */
@InterceptorBinding
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface Registering {

    /** The instance the extension adds. */
    final class Literal extends AnnotationLiteral<Registering> implements Registering {
        private static final long serialVersionUID = 1L;

        /** The one instance. */
        public static final Literal INSTANCE = new Literal();

        private Literal() {
        }
    }
}
