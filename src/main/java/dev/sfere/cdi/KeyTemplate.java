package dev.sfere.cdi;

import dev.sfere.ConnectionKey;
import dev.sfere.SfereKey;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.MatrixParam;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.SseEventSink;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed {@link SfereKey} on one method: the category, the id template split into literal text and parameter
 * positions, and where the sink is. Checked at deployment (or at build time), where misuse is reported; built once
 * per method for the interceptor by {@link KeyTemplates}.
 */
final class KeyTemplate {

    private final String category;
    /** Literal strings, and Integer parameter positions to substitute, in order. */
    private final List<Object> idParts;
    private final String idTemplate;
    private final int sinkIndex;
    /**
     * The characters of the fixed text between two parameters ({@code "-"} in {@code "{owner}-{device}"}), which no
     * substituted value may hold; empty for a template with one parameter. Without this, values that hold the
     * separator spell other pairs' ids ({@code jean} + {@code luc-phone} is {@code jean-luc} + {@code phone}), so a
     * client whose first value is checked could still choose another user's key through the second.
     */
    private final String separators;

    private KeyTemplate(String category, List<Object> idParts, String idTemplate, int sinkIndex) {
        this.category = category;
        this.idParts = idParts;
        this.idTemplate = idTemplate;
        this.sinkIndex = sinkIndex;
        this.separators = separators(idParts);
    }

    /** The characters of the fixed text strictly between the first and the last parameter. */
    private static String separators(List<Object> parts) {
        int first = -1;
        int last = -1;
        for (int i = 0; i < parts.size(); i++) {
            if (parts.get(i) instanceof Integer) {
                first = first < 0 ? i : first;
                last = i;
            }
        }
        StringBuilder chars = new StringBuilder();
        for (int i = first + 1; i < last; i++) {
            if (parts.get(i) instanceof String text) {
                text.codePoints().filter(c -> chars.indexOf(Character.toString(c)) < 0)
                        .forEach(chars::appendCodePoint);
            }
        }
        return chars.toString();
    }

    /**
     * Parses the annotation on a method.
     *
     * @throws jakarta.enterprise.inject.spi.DefinitionException naming the method and the problem (an SFERE code of
     *         {@link Problems}), if the annotation is misused
     */
    static KeyTemplate of(Method method) {
        SfereKey key = method.getAnnotation(SfereKey.class);
        String where = "@SfereKey on " + method.getDeclaringClass().getName() + "." + method.getName();
        if (key == null) {
            throw Problems.missingAnnotation(where);
        }
        try {
            ConnectionKey.of("check", key.category(), "check");
        } catch (IllegalArgumentException e) {
            throw Problems.badCategory(where, key.category(), e);
        }
        Map<String, Integer> params = new HashMap<>();
        // Names two parameters carry (a @QueryParam("user") beside a @PathParam("user"), say): a template naming
        // one could take the value from either, so it is refused.
        Map<String, String> ambiguous = new HashMap<>();
        int sinkIndex = -1;
        Class<?>[] types = method.getParameterTypes();
        Annotation[][] annotations = method.getParameterAnnotations();
        for (int i = 0; i < types.length; i++) {
            if (SseEventSink.class.isAssignableFrom(types[i])) {
                if (sinkIndex >= 0) {
                    throw Problems.twoSinks(where);
                }
                sinkIndex = i;
            }
            for (Annotation a : annotations[i]) {
                String name = paramName(a);
                if (name != null) {
                    Integer first = params.putIfAbsent(name, i);
                    if (first != null && first != i) {
                        ambiguous.put(name, "parameters " + first + " and " + i);
                    }
                }
            }
        }
        List<Object> parts = parse(key.id(), params, ambiguous, where);
        checkFixedText(key.id(), parts, where);
        return new KeyTemplate(key.category(), parts, key.id(), sinkIndex);
    }

    private static List<Object> parse(String template, Map<String, Integer> params, Map<String, String> ambiguous,
                                      String where) {
        List<Object> parts = new ArrayList<>();
        int i = 0;
        while (i < template.length()) {
            int open = template.indexOf('{', i);
            if (open < 0) {
                parts.add(template.substring(i));
                break;
            }
            int close = template.indexOf('}', open);
            if (close < 0) {
                throw Problems.unclosedBrace(where, template);
            }
            if (open > i) {
                parts.add(template.substring(i, open));
            }
            String name = template.substring(open + 1, close).trim();
            Integer index = params.get(name);
            if (index == null) {
                throw Problems.unknownParameter(where, template, name,
                        params.isEmpty() ? "none" : params.keySet());
            }
            if (ambiguous.containsKey(name)) {
                throw Problems.ambiguousParameter(where, template, name, ambiguous.get(name));
            }
            if (!parts.isEmpty() && parts.get(parts.size() - 1) instanceof Integer) {
                throw Problems.adjacentParameters(where, template, name);
            }
            parts.add(index);
            i = close + 1;
        }
        if (parts.isEmpty() || template.isBlank()) {
            throw Problems.blankTemplate(where);
        }
        return List.copyOf(parts);
    }

    /**
     * Checks the template's fixed text as a key id would be checked, so that a control character or an over-long
     * text fails deployment instead of turning every request into a 400.
     */
    private static void checkFixedText(String template, List<Object> parts, String where) {
        StringBuilder fixed = new StringBuilder();
        boolean substituted = false;
        for (Object part : parts) {
            if (part instanceof String text) {
                fixed.append(text);
            } else {
                substituted = true;
            }
        }
        if (substituted) {
            // A substituted value has at least one character.
            fixed.append('x');
        }
        try {
            ConnectionKey.of("check", "check", fixed.toString());
        } catch (IllegalArgumentException e) {
            throw Problems.fixedTextInvalid(where, template, e);
        }
    }

    private static String paramName(Annotation a) {
        if (a instanceof PathParam p) {
            return p.value();
        } else if (a instanceof QueryParam q) {
            return q.value();
        } else if (a instanceof HeaderParam h) {
            return h.value();
        } else if (a instanceof CookieParam c) {
            return c.value();
        } else if (a instanceof FormParam f) {
            return f.value();
        } else if (a instanceof MatrixParam m) {
            return m.value();
        }
        return null;
    }

    /**
     * The key for one invocation.
     *
     * @throws BadRequestException if a parameter is missing or not a valid key part: the client sent it
     */
    ConnectionKey key(String scope, Object[] arguments) {
        StringBuilder id = new StringBuilder();
        for (Object part : idParts) {
            if (part instanceof Integer index) {
                Object value = arguments[index];
                if (value == null) {
                    throw badRequest("the request has no value for " + idTemplate, null);
                }
                String text = String.valueOf(value);
                for (int i = 0; !separators.isEmpty() && i < text.length(); i = text.offsetByCodePoints(i, 1)) {
                    String c = Character.toString(text.codePointAt(i));
                    if (separators.contains(c)) {
                        throw badRequest("id: a value for the id template \"" + idTemplate + "\" must not contain '"
                                + c + "', which separates its parameters", null);
                    }
                }
                id.append(text);
            } else {
                id.append((String) part);
            }
        }
        try {
            return ConnectionKey.of(scope, category, id.toString());
        } catch (IllegalArgumentException e) {
            // The category was checked at deployment. A bad scope is the application's resolver's fault: let the
            // check below throw it as a server error. Otherwise the id, which the client sent, is what is wrong.
            ConnectionKey.of(scope, category, "id");
            throw badRequest(e.getMessage(), e);
        }
    }

    /**
     * A 400 whose body says what was wrong, as plain text: a runtime answers a bare {@link BadRequestException} with
     * an empty body and logs nothing, so neither the client nor the operator would learn which part was refused.
     */
    private static BadRequestException badRequest(String message, Throwable cause) {
        Response response = Response.status(Response.Status.BAD_REQUEST)
                .type(MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8"))
                .entity(message)
                .build();
        return new BadRequestException(message, response, cause);
    }

    /** The invocation's sink, or null if the method takes none. */
    SseEventSink sink(Object[] arguments) {
        return sinkIndex < 0 ? null : (SseEventSink) arguments[sinkIndex];
    }
}
