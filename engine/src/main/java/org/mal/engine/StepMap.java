package org.mal.engine;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An immutable map that grows one entry at a time in O(1) (amortised) while every earlier version
 * stays valid and unchanged: what a step's results, failures and attempts in {@link SearchState}
 * need, where each journal event makes a new state from the last one. Copying an ordinary map per
 * event made folding a step of n results O(n²) (RESULTS §30c, §33).
 *
 * <p>How: the versions share one log. A version is (log, length): it sees the first {@code length}
 * entries. {@link #plus} on the newest version appends to the log in place; on an older one (whose
 * log has grown since) it copies what that version sees into a new log first, so versions never see
 * each other's entries. A key put again gets a new slot that points to its previous one, and each
 * version reads the newest slot older than its length.
 *
 * <p>Thread safety: a version may be read on one thread (a reporter, a step closer) while the
 * newest is extended on another (the coordinator). The index is a {@link ConcurrentHashMap} of
 * immutable slots, the key log is replaced, never resized in place, through a volatile field, and
 * appends are synchronised on the log; a reader only touches entries older than its length, which
 * were written before its version was made (and published to it).
 *
 * <p>Iteration order: by the position of each key's latest put. Values and keys are never null.
 */
final class StepMap<K, V> extends AbstractMap<K, V> {
    private record Slot<V>(int at, V value, Slot<V> previous) {}

    private static final class Log<K, V> {
        final ConcurrentHashMap<K, Slot<V>> index = new ConcurrentHashMap<>();
        volatile Object[] keys = new Object[8];
        int length;   // guarded by this
    }

    private final Log<K, V> log;
    private final int length;
    private final int size;

    private StepMap(Log<K, V> log, int length, int size) {
        this.log = log;
        this.length = length;
        this.size = size;
    }

    /** A new empty map (each with its own log, so that maps grown from different empties share nothing). */
    static <K, V> StepMap<K, V> empty() { return new StepMap<>(new Log<>(), 0, 0); }

    /** {@code m} itself when it is a step map, else its entries (in its iteration order) in a new one. */
    @SuppressWarnings("unchecked")
    static <K, V> StepMap<K, V> of(Map<? extends K, ? extends V> m) {
        if (m instanceof StepMap<?, ?> s) return (StepMap<K, V>) s;
        StepMap<K, V> out = empty();
        for (Map.Entry<? extends K, ? extends V> e : m.entrySet()) out = out.plus(e.getKey(), e.getValue());
        return out;
    }

    /** This map with {@code key} mapped to {@code value}; this one is unchanged. */
    StepMap<K, V> plus(K key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        boolean added = visible(key) == null;
        Log<K, V> target = log;
        synchronized (log) {
            if (log.length != length) target = null;   // an older version: the log has grown past it
            else append(log, key, value);
        }
        if (target == null) {
            target = new Log<>();
            for (Map.Entry<K, V> e : entrySet()) append(target, e.getKey(), e.getValue());
            int n = size;
            synchronized (target) {
                append(target, key, value);
                return new StepMap<>(target, target.length, added ? n + 1 : n);
            }
        }
        return new StepMap<>(target, length + 1, added ? size + 1 : size);
    }

    /** Appends under the log's lock (or to a log nobody else sees yet). */
    private static <K, V> void append(Log<K, V> log, K key, V value) {
        synchronized (log) {
            Object[] keys = log.keys;
            if (log.length == keys.length) {
                Object[] grown = new Object[keys.length * 2];
                System.arraycopy(keys, 0, grown, 0, keys.length);
                keys = grown;
            }
            keys[log.length] = key;
            log.keys = keys;   // a volatile write after the element's: a reader of the field sees it
            int at = log.length++;
            log.index.compute(key, (k, previous) -> new Slot<>(at, value, previous));
        }
    }

    /** The newest slot of {@code key} this version sees, or null. */
    private Slot<V> visible(Object key) {
        if (key == null) return null;
        Slot<V> s = log.index.get(key);
        while (s != null && s.at() >= length) s = s.previous();
        return s;
    }

    @Override
    public V get(Object key) {
        Slot<V> s = visible(key);
        return s == null ? null : s.value();
    }

    @Override
    public boolean containsKey(Object key) { return visible(key) != null; }

    @Override
    public int size() { return size; }

    @Override
    public Set<Map.Entry<K, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() { return size; }

            @Override
            public Iterator<Map.Entry<K, V>> iterator() {
                Object[] keys = log.keys;
                return new Iterator<>() {
                    private int i = -1;
                    private Map.Entry<K, V> next = advance();

                    @SuppressWarnings("unchecked")
                    private Map.Entry<K, V> advance() {
                        while (++i < length) {
                            K k = (K) keys[i];
                            Slot<V> s = visible(k);
                            if (s.at() == i) return new SimpleImmutableEntry<>(k, s.value());   // the key's latest put in this version
                        }
                        return null;
                    }

                    @Override
                    public boolean hasNext() { return next != null; }

                    @Override
                    public Map.Entry<K, V> next() {
                        if (next == null) throw new NoSuchElementException();
                        Map.Entry<K, V> out = next;
                        next = advance();
                        return out;
                    }
                };
            }
        };
    }
}
