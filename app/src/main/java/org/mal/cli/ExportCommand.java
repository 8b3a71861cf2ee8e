package org.mal.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mal.actors.Search;
import org.mal.core.model.Model;
import org.mal.core.model.ModelIO;
import org.mal.engine.Recipe;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchFolder;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchState;
import org.mal.engine.Workbench;
import org.mal.store.MalStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mal export}: an assembly of a search as a safetensors file, with its recipe next to it. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write an assembly of a search as a .safetensors file (with its model card), and next to it "
                + "<name>.recipe.json: its lineage and provenance. ./mal merge --recipe <name>.recipe.json --out again.safetensors "
                + "computes it again from the zoo, bit for bit."})
final class ExportCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Parameters(index = "0", description = "Search folder.")
    Path dir;

    @Option(names = "--assembly", description = "The assembly: its id or a prefix of its weights hash (default: the last "
            + "run's final assembly).")
    String assembly;

    @Option(names = "--out", required = true, description = "Output model (.safetensors).")
    Path out;

    @Option(names = "--force", description = "Overwrite --out and its recipe if they exist.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = command.commandLine().getOut();
        if (!out.getFileName().toString().endsWith(".safetensors")) throw new UsageError("--out must end with .safetensors");
        Path recipeFile = recipeFile(out);
        for (Path p : List.of(out, recipeFile)) {
            if (Files.exists(p) && !force) throw new IllegalArgumentException(p + " exists; pass --force to overwrite it");
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) throw new IllegalArgumentException("the folder of " + out + " does not exist");

        List<List<SearchEvent>> runs = SearchFolder.inspect(dir).runs();
        SearchState found = null;
        int size = 0;
        for (int r = runs.size() - 1; r >= 0 && found == null; r--) {
            SearchState s = SearchState.fold(runs.get(r));
            List<SearchEvent.StepClosed> l = s.lineage();
            for (int k = l.size() - 1; k >= 0; k--) {
                var card = l.get(k).assembly();
                if (assembly == null || card.id().equals(assembly) || card.weightsHash().startsWith(assembly)) {
                    found = s;
                    size = k + 1;
                    break;
                }
            }
            if (assembly == null && found == null) {
                throw new IllegalArgumentException("the last search in " + dir + " accepted no move: there is no assembly to export");
            }
        }
        if (found == null) throw new IllegalArgumentException("no assembly '" + assembly + "' in the search " + dir + " (see ./mal search status " + dir + ")");
        SearchEvent.StepClosed last = found.lineage().get(size - 1);
        SearchSettings settings = SearchSettings.ofRun(found.settings()).withOrigin(found.origin());
        Model model = null;
        org.mal.core.cnn.CnnModel cnn = null;
        try (MalStore store = MalStore.openExisting(dir.resolve(SearchFolder.STORE))) {
            Workbench bench = new Workbench(new org.mal.core.zoo.Zoo(settings.zoo()), dir.resolve(SearchFolder.ASSEMBLIES), store,
                    t -> { throw new IllegalStateException("no data is needed to export"); }, settings.evaluation(), settings.seed());
            if (!store.hasBlob(last.assemblyBlob())) {
                Recipe.of(found, size, dir).write(recipeFile);
                throw new IllegalArgumentException("the weights of " + last.assembly().id() + " were not kept (search.assemblies: "
                        + (settings.assemblies().keepLineage() ? "the store does not hold them" : "only the last "
                        + settings.assemblies().keepLast() + " of the lineage are kept") + "); wrote its recipe " + recipeFile
                        + ": rebuild it with ./mal merge --recipe " + recipeFile + " --out " + out);
            }
            if (last.assembly().convolutional()) cnn = bench.cnnAssembly(last.assembly().weightsHash(), last.assemblyBlob());
            else model = bench.assembly(last.assembly().weightsHash(), last.assemblyBlob());
        }
        if (cnn != null) ModelIO.saveCnn(out, cnn, last.assembly());
        else ModelIO.save(out, model, last.assembly());
        Recipe.of(found, size, dir).write(recipeFile);
        o.printf(Locale.ROOT, "wrote %s (%s, weights %s, %d accepted steps from %s) and its recipe %s%n", out, last.assembly().id(),
                last.assembly().weightsHash().substring(0, 12), size, found.origin().id(), recipeFile);
        return 0;
    }

    static Path recipeFile(Path model) {
        String n = model.getFileName().toString();
        return model.resolveSibling(n.substring(0, n.length() - ".safetensors".length()) + ".recipe.json");
    }
}
