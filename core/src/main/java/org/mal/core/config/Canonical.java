package org.mal.core.config;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Settings maps in one canonical form, so that equal settings encode alike (in a move's JSON and in
 * cache keys): keys sorted, integral numbers as {@code Long} and others as {@code Double} ({@code 1}
 * and {@code 1.0}, HOCON's int and double, are the same setting), nested maps and lists likewise.
 */
public final class Canonical {
    private Canonical() {}

    /** Sorted, unmodifiable deep copy of {@code settings} (null gives an empty map). */
    public static SortedMap<String, Object> map(Map<String, ?> settings) {
        TreeMap<String, Object> out = new TreeMap<>();
        if (settings != null) settings.forEach((k, v) -> out.put(k, value(v)));
        return Collections.unmodifiableSortedMap(out);
    }

    private static Object value(Object v) {
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) return (long) d;
            return d;
        }
        if (v instanceof Map<?, ?> m) {
            TreeMap<String, Object> out = new TreeMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), value(x)));
            return Collections.unmodifiableSortedMap(out);
        }
        if (v instanceof List<?> l) return l.stream().map(Canonical::value).toList();
        if (v == null || v instanceof String || v instanceof Boolean) return v;
        throw new IllegalArgumentException("a setting must be a number, string, boolean, list or object, got " + v.getClass().getName());
    }
}
