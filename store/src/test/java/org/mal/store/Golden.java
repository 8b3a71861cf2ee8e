package org.mal.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a golden file from {@code src/test/resources/golden/}: {@code name=value} lines, {@code #} comments. */
final class Golden {
    private Golden() {}

    static Map<String, String> read(String file) throws IOException {
        try (InputStream in = Golden.class.getResourceAsStream("/golden/" + file)) {
            if (in == null) throw new IOException("golden file " + file + " is missing");
            Map<String, String> out = new LinkedHashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) continue;
                int eq = line.indexOf('=');
                out.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
            return out;
        }
    }
}
