package dev.sfere.cdi;

import jakarta.enterprise.inject.spi.DefinitionException;
import jakarta.enterprise.inject.spi.DeploymentException;

/**
 * Every problem the library reports at deployment, one method per SFERE code, so each code has one text. Misuse of
 * the library in code is a {@link DefinitionException}; a bad configuration value, or a setting the application
 * cannot support, is a {@link DeploymentException}. docs/ERRORS.md lists the codes with how to fix each.
 *
 * <p>Code 007 (the annotation on a class) is retired: {@code @SfereKey} targets methods only, so the compiler
 * refuses that use.
 */
final class Problems {

    private Problems() {
    }

    static DefinitionException missingAnnotation(String where) {
        return definition(1, where + " is missing", null);
    }

    static DefinitionException badCategory(String where, String category, IllegalArgumentException why) {
        return definition(2, where + ": the category \"" + category + "\" is not a valid key part: "
                + why.getMessage(), why);
    }

    static DefinitionException twoSinks(String where) {
        return definition(3, where + " has two SseEventSink parameters; a key holds one stream", null);
    }

    static DefinitionException unclosedBrace(String where, String template) {
        return definition(4, where + ": the id template \"" + template + "\" has a '{' without a closing '}'",
                null);
    }

    static DefinitionException unknownParameter(String where, String template, String name, Object annotated) {
        return definition(5, where + ": the id template \"" + template + "\" names {" + name
                + "}, but no parameter is annotated @PathParam, @QueryParam, @HeaderParam, @CookieParam, @FormParam "
                + "or @MatrixParam(\"" + name + "\"); annotated parameters: " + annotated, null);
    }

    static DefinitionException blankTemplate(String where) {
        return definition(6, where + ": the id template is blank", null);
    }

    static DefinitionException ambiguousParameter(String where, String template, String name, String carriers) {
        return definition(8, where + ": the id template \"" + template + "\" names {" + name + "}, which "
                + carriers + " both carry (counting from 0); a client could then choose its own key through the "
                + "other one. Rename one of them", null);
    }

    static DefinitionException fixedTextInvalid(String where, String template, IllegalArgumentException why) {
        return definition(9, where + ": the fixed text of the id template \"" + template
                + "\" can never make a valid id: " + why.getMessage(), why);
    }

    static DefinitionException undecoratedDefault(String decorator, String type, String own) {
        return definition(10, "the decorator " + decorator + " decorates " + type + ", but CDI does not decorate "
                + "the default one the library adds, so it would never run; wrap it yourself instead, for example "
                + "in a @Produces @ApplicationScoped " + own, null);
    }

    static DefinitionException storeNotShared(Object bean, String scope) {
        return definition(11, "the application's ConnectionStore (" + bean + ") is @" + scope + "; it must be "
                + "@ApplicationScoped or @Singleton, so that the whole application shares one store", null);
    }

    static DefinitionException adjacentParameters(String where, String template, String name) {
        return definition(12, where + ": the id template \"" + template + "\" puts {" + name + "} right after "
                + "another parameter, so two pairs of values could make the same id and a client could choose "
                + "another's key; put fixed text between them, such as ':', that no value holds", null);
    }

    static DeploymentException badConfiguration(String key, String value, String allowed) {
        return new DeploymentException(code(100) + "configuration " + key + "=\"" + value
                + "\" is not valid; expected " + allowed);
    }

    static DeploymentException natsClientMissing(String typeKey) {
        return new DeploymentException(code(101) + typeKey + "=nats needs the NATS Java client on the "
                + "application's class path; add the dependency io.nats:jnats (version 2.26.2 is tested) to the "
                + "application");
    }

    private static DefinitionException definition(int code, String message, Throwable cause) {
        return cause == null ? new DefinitionException(code(code) + message)
                : new DefinitionException(code(code) + message, cause);
    }

    private static String code(int code) {
        return String.format("SFERE-%03d: ", code);
    }
}
