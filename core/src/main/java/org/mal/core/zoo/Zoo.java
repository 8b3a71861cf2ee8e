package org.mal.core.zoo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
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

    /** One file of the zoo: its card, or the architecture alone, or why it could not be read. */
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
        for (Path file : files) {
            String name = file.getFileName().toString();
            String id = name.substring(0, name.length() - EXTENSION.length());
            try {
                Optional<ModelCard> card = ModelIO.readCard(file);
                Architecture arch = card.isPresent() ? card.get().architecture() : ModelIO.readArchitecture(file);
                out.add(new Entry(id, file, card, Optional.of(arch), Optional.empty()));
            } catch (IOException | RuntimeException e) {
                out.add(new Entry(id, file, Optional.empty(), Optional.empty(), Optional.of(String.valueOf(e.getMessage()))));
            }
        }
        return out;
    }
}
