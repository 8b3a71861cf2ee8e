package org.mal.search;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

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
            .build();

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

    static String abbreviate(String s) { return s.length() <= 200 ? s : s.substring(0, 200) + "…"; }
}
