package org.mal.store;

import java.io.InputStream;

/** {@code length} pseudo-random (incompressible), reproducible bytes, generated without allocating. */
final class PatternStream extends InputStream {
    private final long length;
    private long state;
    private long pos;

    PatternStream(long length, long seed) {
        this.length = length;
        this.state = seed * 0x9E3779B97F4A7C15L + 1;
    }

    @Override
    public int read() {
        if (pos == length) return -1;
        pos++;
        return (int) (next() & 0xff);
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) return 0;
        if (pos == length) return -1;
        int n = (int) Math.min(len, length - pos);
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            long x = next();
            for (int j = 0; j < 8; j++) b[off + i + j] = (byte) (x >>> (8 * j));
        }
        for (; i < n; i++) b[off + i] = (byte) next();
        pos += n;
        return n;
    }

    private long next() {
        state ^= state << 13;
        state ^= state >>> 7;
        state ^= state << 17;
        return state * 0x2545F4914F6CDD1DL;
    }
}
