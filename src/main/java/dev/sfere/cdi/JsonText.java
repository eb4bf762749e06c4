package dev.sfere.cdi;

import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;

/**
 * Encodes data objects as JSON through JSON-B, when the runtime has it. Kept in its own class so that the library
 * loads without the JSON-B API.
 */
final class JsonText {

    private static volatile Jsonb jsonb;

    private JsonText() {
    }

    /**
     * @throws IllegalStateException if no JSON-B implementation is available
     */
    static String encode(Object data) {
        Jsonb encoder = jsonb;
        if (encoder == null) {
            encoder = create(data);
        }
        return encoder.toJson(data);
    }

    private static synchronized Jsonb create(Object data) {
        if (jsonb == null) {
            try {
                jsonb = JsonbBuilder.create();
            } catch (RuntimeException | LinkageError e) {
                throw new IllegalStateException("Sfere: cannot encode a " + data.getClass().getName()
                        + " as JSON: no JSON-B implementation is available. Add one (for example the runtime's "
                        + "jsonb feature) or pass the data as a String", e);
            }
        }
        return jsonb;
    }
}
