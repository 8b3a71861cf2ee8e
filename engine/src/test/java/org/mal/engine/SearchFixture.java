package org.mal.engine;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.mal.core.data.Synthetic;
import org.mal.core.data.TaskData;
import org.mal.core.zoo.Zoo;
import org.mal.core.zoo.ZooBuilder;
import org.mal.core.zoo.ZooSpec;
import org.mal.policies.ZooIndex;

/**
 * A small zoo of MLPs trained on two synthetic tasks (seeded, so every JVM that builds it gets the
 * same weights), and search settings for it. Builds in about a second.
 */
public final class SearchFixture {
    private SearchFixture() {}

    public static final Map<String, TaskData> TASKS = Map.of(
            "blobs", Synthetic.gaussianBlobs("blobs", 600, 400, 12, 3, 1),
            "other", Synthetic.gaussianBlobs("other", 600, 400, 12, 3, 2));

    public static final Function<String, TaskData> TASK_FN = name -> {
        TaskData t = TASKS.get(name);
        if (t == null) throw new IllegalArgumentException("no test task " + name);
        return t;
    };

    public static final String BASE = "blobs-equal-8x8";

    /** Trains the zoo into {@code dir} unless it is there. */
    public static Zoo zoo(Path dir) throws IOException {
        Zoo zoo = new Zoo(dir);
        if (Files.isDirectory(dir) && zoo.list().size() >= 8) return zoo;
        ZooSpec spec = ZooSpec.from(ConfigFactory.parseString("""
                zoo {
                  name = t, datasets = [blobs, other], families = [equal, wide-to-narrow, narrow-to-wide], depths = [2], widths = [8, 16]
                  architectures = []
                  training { optimizer = adam, learning-rates = [3e-2], epochs = 3, batch-size = 32, seed = 5, validation-fraction = 0.2 }
                }"""));
        new ZooBuilder(spec, zoo, TASK_FN).build(new ZooBuilder.Listener() {});
        return zoo;
    }

    /** Other weights (same shapes, so the same size) in {@code file}, under its old header: the card no longer names them. */
    public static void scaleWeightsKeepingTheCard(Path file, float factor) throws IOException {
        var header = org.mal.core.io.Safetensors.readHeader(file);
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> scaled = new java.util.LinkedHashMap<>();
        org.mal.core.model.ModelIO.load(file).model().params().forEach((k, v) -> scaled.put(k, v.mul(factor)));
        org.mal.core.io.Safetensors.write(file, scaled, header.metadata());
    }

    public static ZooIndex index(Zoo zoo) throws IOException { return ZooIndex.from(zoo); }

    /** Settings for a search of {@link #BASE} over {@code zoo}; {@code extra} is HOCON appended last (it wins). */
    public static SearchSettings settings(Path zoo, String extra) {
        return SearchSettings.parse("""
                search {
                  zoo = "%s"
                  base = %s
                  seed = 3
                  workers = 2
                  moves-per-step = 3
                  evaluation { grid = 5, rows = 200, tolerance = 0.5 }
                  budget { steps = 4, patience = 0 }
                  retries = 1
                  zoo-poll-seconds = 0.2
                  drain-seconds = 20
                }
                policy {
                  candidates { max-per-target = 4 }
                  laws = [ { name = merging-threshold, refine = 2 } ]
                  objective { name = retention }
                }
                %s
                """.formatted(zoo.toString().replace("\\", "\\\\"), BASE, extra));
    }
}
