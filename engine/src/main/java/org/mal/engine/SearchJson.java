package org.mal.engine;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import org.mal.policies.Move;

/**
 * The JSON of the journal and the cache. Unknown fields are errors (a record that does not parse is
 * named, never half read); non-finite numbers are allowed because a diverging merge has an infinite
 * loss and that is a result, not an error.
 */
public final class SearchJson {
    private SearchJson() {}

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .addModule(moves())
            .build();

    /**
     * A {@link Move} is written as its canonical JSON in a string (the journal's format since its
     * first version), and read back by {@link Move#fromCanonical}: the one place a move is decoded.
     */
    static SimpleModule moves() {
        SimpleModule m = new SimpleModule("mal-moves");
        m.addSerializer(Move.class, new MoveWriter());
        m.addDeserializer(Move.class, new MoveReader());
        return m;
    }

    /**
     * A move as its canonical JSON string. Also the wire format of a move between JVMs (the work
     * items of worker nodes, through Pekko's Jackson serializer: {@code @JsonSerialize(using = ...)}),
     * where settings nested in lists or objects would otherwise come back as Scala collections.
     */
    public static final class MoveWriter extends JsonSerializer<Move> {
        @Override
        public void serialize(Move move, JsonGenerator gen, SerializerProvider p) throws IOException { gen.writeString(move.canonical()); }
    }

    /** Reads what {@link MoveWriter} writes (dropping settings of old journals that never had an effect, below). */
    public static final class MoveReader extends JsonDeserializer<Move> {
        @Override
        public Move deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) return (Move) ctx.handleUnexpectedToken(Move.class, p);
            return withoutLegacySettings(Move.fromCanonical(p.getText()));
        }
    }

    /**
     * Moves journaled before issue 15 carry the merging-threshold law's {@code tolerance} and
     * {@code grid} in their λ settings; they never had an effect (the search's evaluation settings
     * did), and today's threshold rule refuses them. Dropped here, where every journaled move is
     * decoded, so that old moves resume, and equal the same moves planned today.
     */
    static Move withoutLegacySettings(Move m) {
        if (!"threshold".equals(m.lambdaPolicy())) return m;
        if (!m.lambdaSettings().containsKey("tolerance") && !m.lambdaSettings().containsKey("grid")) return m;
        java.util.Map<String, Object> s = new java.util.TreeMap<>(m.lambdaSettings());
        s.remove("tolerance");
        s.remove("grid");
        return m.withLambda(m.lambdaPolicy(), s);
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    public static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot read a " + type.getSimpleName() + " from " + abbreviate(json) + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    public static String abbreviate(String s) { return s.length() <= 200 ? s : s.substring(0, 200) + "…"; }
}
