package org.mal.store;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The key of a cached result: the SHA-256 of a canonical encoding of everything that determines the
 * result (docs/DESIGN.md, invariant 6). Two keys are equal exactly when their encodings are equal, so
 * equal inputs never recompute and any difference in an input gives another key.
 *
 * <h2>Encoding (version 1)</h2>
 * All integers are big-endian; {@code str} is a u32 byte length followed by UTF-8 bytes.
 * <pre>
 * key      := "MALK" (4 ASCII bytes)  version:u8 = 1  kind:str  count:u32  field*
 * field    := name:str  value                       fields sorted by name (unsigned UTF-8 bytes), names unique
 * value    := 'S' str                               string, UTF-8 as given (no Unicode normalisation)
 *           | 'L' i64                               long; int, short and byte are widened to long
 *           | 'D' u64                               double as Double.doubleToLongBits (one NaN; -0.0 != 0.0);
 *                                                   float is widened to double first
 *           | 'Z' u8                                boolean, 0 or 1
 *           | 'B' u32 bytes                         byte[]
 *           | 'T' count:u32 value*                  list, in its order (also long[], int[], double[], float[])
 *           | 'M' count:u32 (name:str value)*       map with String keys, sorted like fields
 * </pre>
 * Every value carries a type tag and every variable-length part a length prefix, so no two
 * different field sets share an encoding. The key is {@code SHA-256(encoding)}. The kind (for
 * example {@code "evaluation"}) keeps keys of different kinds of results apart. The encoding is
 * pinned by a golden file ({@code store/src/test/resources/golden/cache-key-evaluation.txt}); a
 * change of it is a change of every key, that is, a cache flush, and must be a visible decision.
 * See also {@code store/ENCODING.md}.
 *
 * <p>Instances are immutable.
 */
public final class CacheKey {
    static final byte[] MAGIC = {'M', 'A', 'L', 'K'};
    static final byte VERSION = 1;

    private static final Comparator<String> BY_UTF8 =
            (a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    private final String kind;
    private final byte[] encoding;
    private final byte[] hash;

    private CacheKey(String kind, byte[] encoding) {
        this.kind = kind;
        this.encoding = encoding;
        this.hash = sha256(encoding);
    }

    /** A builder for a key of any kind; fields may be added in any order. */
    public static Builder builder(String kind) { return new Builder(kind); }

    public String kind() { return kind; }

    /** The canonical encoding (a copy). */
    public byte[] encoding() { return encoding.clone(); }

    /** The SHA-256 of the encoding (a copy); this is the stored key. */
    public byte[] hash() { return hash.clone(); }

    byte[] hashBytes() { return hash; }

    /** The SHA-256, 64 lower-case hex digits. */
    public String hex() { return Hex.of(hash); }

    @Override
    public boolean equals(Object o) { return o instanceof CacheKey k && Arrays.equals(hash, k.hash); }

    @Override
    public int hashCode() { return Arrays.hashCode(hash); }

    @Override
    public String toString() { return kind + ":" + hex(); }

    static byte[] sha256(byte[] bytes) { return Hex.sha256().digest(bytes); }

    /** Collects named fields; each value is encoded when it is added, so later changes to it do not leak in. */
    public static final class Builder {
        private final String kind;
        private final TreeMap<String, byte[]> fields = new TreeMap<>(BY_UTF8);

        private Builder(String kind) {
            this.kind = requireName(kind, "kind");
        }

        public Builder put(String name, String value) { return putValue(name, value); }

        public Builder put(String name, long value) { return putValue(name, value); }

        public Builder put(String name, double value) { return putValue(name, value); }

        public Builder put(String name, boolean value) { return putValue(name, value); }

        public Builder put(String name, byte[] value) { return putValue(name, value); }

        public Builder put(String name, List<?> value) { return putValue(name, value); }

        public Builder put(String name, Map<String, ?> value) { return putValue(name, value); }

        public Builder put(String name, long[] value) { return putValue(name, value); }

        public Builder put(String name, double[] value) { return putValue(name, value); }

        /**
         * Adds a value of any supported type (see the class comment).
         *
         * @throws IllegalArgumentException for a duplicate name, a null or an unsupported value
         */
        public Builder putValue(String name, Object value) {
            requireName(name, "field name");
            if (fields.containsKey(name)) throw new IllegalArgumentException("field '" + name + "' is already set");
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                writeValue(out, value, name);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            fields.put(name, bytes.toByteArray());
            return this;
        }

        boolean has(String name) { return fields.containsKey(name); }

        public CacheKey build() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.write(MAGIC);
                out.writeByte(VERSION);
                writeStr(out, kind);
                out.writeInt(fields.size());
                for (Map.Entry<String, byte[]> f : fields.entrySet()) {
                    writeStr(out, f.getKey());
                    out.write(f.getValue());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new CacheKey(kind, bytes.toByteArray());
        }
    }

    private static String requireName(String name, String what) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException(what + " must be non-empty");
        return name;
    }

    private static void writeStr(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static void writeValue(DataOutputStream out, Object v, String path) throws IOException {
        if (v == null) {
            throw new IllegalArgumentException("null at '" + path + "': leave the field out or encode absence explicitly");
        } else if (v instanceof String s) {
            out.writeByte('S');
            writeStr(out, s);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            out.writeByte('L');
            out.writeLong(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            out.writeByte('D');
            out.writeLong(Double.doubleToLongBits(((Number) v).doubleValue()));
        } else if (v instanceof Boolean b) {
            out.writeByte('Z');
            out.writeByte(b ? 1 : 0);
        } else if (v instanceof byte[] b) {
            out.writeByte('B');
            out.writeInt(b.length);
            out.write(b);
        } else if (v instanceof long[] a) {
            out.writeByte('T');
            out.writeInt(a.length);
            for (long x : a) writeValue(out, x, path);
        } else if (v instanceof int[] a) {
            out.writeByte('T');
            out.writeInt(a.length);
            for (int x : a) writeValue(out, x, path);
        } else if (v instanceof double[] a) {
            out.writeByte('T');
            out.writeInt(a.length);
            for (double x : a) writeValue(out, x, path);
        } else if (v instanceof float[] a) {
            out.writeByte('T');
            out.writeInt(a.length);
            for (float x : a) writeValue(out, x, path);
        } else if (v instanceof List<?> list) {
            out.writeByte('T');
            out.writeInt(list.size());
            int i = 0;
            for (Object x : list) writeValue(out, x, path + "[" + i++ + "]");
        } else if (v instanceof Map<?, ?> map) {
            TreeMap<String, Object> sorted = new TreeMap<>(BY_UTF8);
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String name)) {
                    throw new IllegalArgumentException("map key " + e.getKey() + " at '" + path + "' is not a String");
                }
                sorted.put(name, e.getValue());
            }
            out.writeByte('M');
            out.writeInt(sorted.size());
            for (Map.Entry<String, Object> e : sorted.entrySet()) {
                writeStr(out, e.getKey());
                writeValue(out, e.getValue(), path + "." + e.getKey());
            }
        } else if (v instanceof Collection<?>) {
            throw new IllegalArgumentException("unordered collection " + v.getClass().getName() + " at '" + path
                    + "': pass a List in a defined order");
        } else {
            throw new IllegalArgumentException("unsupported type " + v.getClass().getName() + " at '" + path
                    + "': use String, long, double, boolean, byte[], List or Map<String, ?>");
        }
    }
}
