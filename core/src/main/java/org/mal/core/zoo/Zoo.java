package org.mal.core.zoo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.mal.core.model.Architecture;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;

/**
 * A zoo folder: one {@code <id>.safetensors} per model, each with its architecture and card in the
 * header. Listing reads headers only. Files without a card (brought from PyTorch) are listed with an
 * architecture inferred from their tensors; files that cannot be read are listed with the reason,
 * never silently dropped.
 */
public final class Zoo {
    public static final String EXTENSION = ".safetensors";

    private final Path dir;

    public Zoo(Path dir) { this.dir = dir; }

    public Path dir() { return dir; }

    public Path fileOf(String id) { return dir.resolve(id + EXTENSION); }

    /**
     * What a file holds, cheaply: its length and the CRC-32C of its bytes, as {@code "length:crc"}.
     * Two reads of one content give the same value; a changed model file (other weights, same card
     * included) almost surely gives another. Not a content hash for the cache: only to notice change.
     */
    public static String fingerprint(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] buffer = new byte[1 << 16];
        long length = 0;
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; length += n) crc.update(buffer, 0, n);
        }
        return length + ":" + Long.toHexString(crc.getValue());
    }

    /**
     * One file of the zoo: its card, or the architecture alone, or why it could not be read. A CNN's entry has its card
     * ({@link ModelCard#cnn()}) and no MLP {@code architecture}.
     */
    public record Entry(String id, Path file, Optional<ModelCard> card, Optional<Architecture> architecture, Optional<String> problem) {}

    /** Every entry, sorted by id. An absent folder is an empty zoo. */
    public List<Entry> list() throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(EXTENSION) && Files.isRegularFile(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
        }
        List<Entry> out = new ArrayList<>();
        for (Path file : files) out.add(entry(file));
        return out;
    }

    /** The entry of one model file of this zoo (read now; a file that cannot be read gives an entry that says why). */
    public Entry entry(Path file) {
        String name = file.getFileName().toString();
        if (!name.endsWith(EXTENSION)) throw new IllegalArgumentException("not a zoo model file (" + EXTENSION + "): " + file);
        String id = name.substring(0, name.length() - EXTENSION.length());
        try {
            Optional<ModelCard> card = ModelIO.readCard(file);
            Architecture arch = card.isPresent() ? card.get().architecture() : ModelIO.readArchitecture(file);
            return new Entry(id, file, card, Optional.ofNullable(arch), Optional.empty());   // a CNN's card has no MLP architecture
        } catch (IOException | RuntimeException e) {
            return new Entry(id, file, Optional.empty(), Optional.empty(), Optional.of(String.valueOf(e.getMessage())));
        }
    }
}
