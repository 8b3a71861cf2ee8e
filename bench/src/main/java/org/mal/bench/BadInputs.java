package org.mal.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The bad-input table of issue 16, generated: every case is made (a malformed model file, a bad
 * option, a bad config, a damaged store, ...), then run through the command line ({@code ./mal},
 * a fresh process per case), and the table records the exit code and the first line of what it
 * printed, as it came. Nothing in the table is typed by hand but the case's name.
 *
 * <p>Usage, from the project root after {@code ./mal --version} has built the launcher:
 * {@code BadInputs WORKDIR} (a new folder). The zoo {@code zoos/default} and {@code data/} must be
 * there. Prints a Markdown table; paths under WORKDIR print as {@code $W}.
 */
public final class BadInputs {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ZOO = "zoos/default";
    private static final String MODEL = ZOO + "/mnist-equal-32x32x32.safetensors";
    private static final String TARGET = "mnist-equal-64x64x64";

    private final Path work;
    private final List<String[]> rows = new ArrayList<>();

    private BadInputs(Path work) { this.work = work; }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) throw new IllegalArgumentException("usage: BadInputs WORKDIR");
        Path work = Path.of(args[0]).toAbsolutePath();
        if (Files.exists(work)) throw new IllegalArgumentException(work + " exists; give a new folder");
        Files.createDirectories(work);
        BadInputs b = new BadInputs(work);
        b.models();
        b.options();
        b.configs();
        b.stores();
        System.out.println("| # | case | command | exit | chars | first line of the message |");
        System.out.println("| ---: | --- | --- | ---: | ---: | --- |");
        int n = 0;
        for (String[] r : b.rows) {
            System.out.printf(Locale.ROOT, "| %d | %s | `%s` | %s | %s | %s |%n", ++n, r[0], r[1], r[2], r[3], r[4]);
        }
    }

    // ------------------------------------------------------------------ malformed model files

    private void models() throws Exception {
        byte[] good = Files.readAllBytes(Path.of(MODEL));
        model("empty file (0 bytes)", new byte[0]);
        model("5 bytes: shorter than the header length", new byte[] {1, 2, 3, 4, 5});
        model("text, not safetensors", "garbage\n".getBytes(StandardCharsets.UTF_8));
        model("header length beyond the end of the file", withLength(good, good.length + 100L));
        model("header is not JSON", withHeader(good, "{not json".getBytes(StandardCharsets.UTF_8)));
        model("header is a JSON array", withHeader(good, "[1,2,3]".getBytes(StandardCharsets.UTF_8)));
        model("truncated: half of the file", Arrays.copyOf(good, good.length / 2));
        model("a tensor of unknown dtype", edit(good, h -> ((ObjectNode) h.get("0.weight")).put("dtype", "Q7")));
        model("a tensor's offsets beyond the data", edit(good, h -> {
            ArrayNode o = (ArrayNode) h.get("0.bias").get("data_offsets");
            o.set(1, o.get(1).asLong() + 1_000_000);
        }));
        model("a tensor's shape does not match its bytes", edit(good, h -> ((ArrayNode) h.get("0.weight").get("shape")).set(0, 31)));
        model("two tensors share bytes", edit(good, h -> ((ObjectNode) h.get("0.bias")).set("data_offsets", h.get("2.bias").get("data_offsets").deepCopy())));
        model("mal.architecture is not JSON", editMeta(good, m -> m.put("mal.architecture", "{oops")));
        model("mal.architecture does not fit together", editMeta(good, m -> m.put("mal.architecture",
                editJson(m.get("mal.architecture").asText(), a -> ((ObjectNode) a.get("layers").get(0)).put("outputSize", 16)))));
        model("mal.architecture is not the tensors", editMeta(good, m -> m.put("mal.architecture",
                editJson(m.get("mal.architecture").asText(), a -> {
                    ((ObjectNode) a.get("layers").get(0)).put("outputSize", 16);
                    ((ObjectNode) a.get("layers").get(1)).put("inputSize", 16);
                }))));
        model("mal.card is not JSON", editMeta(good, m -> m.put("mal.card", "{\"id\":")));
        model("mal.card has an unknown field", editMeta(good, m -> m.put("mal.card",
                editJson(m.get("mal.card").asText(), c -> c.put("colour", "blue")))));
        model("mal.card has no architecture", editMeta(good, m -> m.put("mal.card",
                editJson(m.get("mal.card").asText(), c -> c.remove("architecture")))));
        model("the card's architecture does not fit together", editMeta(good, m -> m.put("mal.card",
                editJson(m.get("mal.card").asText(), c -> ((ObjectNode) c.get("architecture").get("layers").get(0)).put("outputSize", 16)))));
        model("the card's architecture is not the tensors", editMeta(good, m -> m.put("mal.card",
                editJson(m.get("mal.card").asText(), c -> {
                    ((ObjectNode) c.get("architecture").get("layers").get(0)).put("outputSize", 16);
                    ((ObjectNode) c.get("architecture").get("layers").get(1)).put("inputSize", 16);
                }))));
        byte[] flipped = good.clone();
        flipped[flipped.length - 3] ^= 0x40;
        model("a weight changed, the card not (hash mismatch)", flipped);
        model("a NaN weight (no card)", floatAt(stripMeta(good), 0, Float.NaN));
        model("an infinite weight (no card)", floatAt(stripMeta(good), 5, Float.POSITIVE_INFINITY));
        model("no metadata, a tensor not named like nn.Sequential", edit(stripMeta(good), h -> h.set("fc.w", h.remove("0.weight"))));
        model("no metadata, a layer without its bias", edit(stripMeta(good), h -> h.remove("0.bias")));
        model("no metadata, layers that do not chain", edit(stripMeta(good), h -> {
            h.set("2.weight", h.remove("4.weight"));
            h.set("2.bias", h.remove("4.bias"));
        }));
        model("no metadata, a 3-D weight", edit(stripMeta(good), h -> ((ArrayNode) h.get("0.weight").get("shape")).insert(0, 1)));
        model("no tensors at all", withHeader(new byte[8], "{}".getBytes(StandardCharsets.UTF_8)));
    }

    private void model(String name, byte[] bytes) throws Exception {
        Path f = work.resolve("models").resolve(String.format(Locale.ROOT, "m%02d.safetensors", rows.size() + 1));
        Files.createDirectories(f.getParent());
        Files.write(f, bytes);
        run("model file: " + name, "merge", "--base", f.toString(), "--target", TARGET);
    }

    // ------------------------------------------------------------------ bad options

    private void options() throws Exception {
        String base = "mnist-equal-32x32x32";
        run("option: an unknown option", "zoo", "list", "--bogus");
        run("option: a missing required option", "train", "--dataset", "mnist");
        run("option: a missing subcommand", "search");
        run("option: --map with a trailing comma", "merge", "--base", base, "--target", TARGET, "--map", "0:0,");
        run("option: --map with a layer out of range", "merge", "--base", base, "--target", TARGET, "--map", "7:0");
        run("option: --lambda outside [0, 1]", "merge", "--base", base, "--target", TARGET, "--lambda", "1.5",
                "--out", work.resolve("x.safetensors").toString());
        run("option: --eval with an unknown dataset", "merge", "--base", base, "--target", TARGET, "--eval", "cifar");
        run("option: --aligner unknown", "merge", "--base", base, "--target", TARGET, "--aligner", "magnetic");
        run("option: --widths not numbers", "train", "--dataset", "mnist", "--widths", "a,b", "--out", work.resolve("t.safetensors").toString());
        run("option: a model that is not there", "merge", "--base", work.resolve("nothing.safetensors").toString(), "--target", TARGET);
        run("option: an id the zoo does not have", "merge", "--base", "no-such-model", "--target", TARGET);
        run("option: --last 0", "search", "status", work.resolve("nowhere").toString(), "--last", "0");
        run("option: export --out not .safetensors", "export", work.resolve("nowhere").toString(), "--out", work.resolve("x.txt").toString());
    }

    // ------------------------------------------------------------------ bad configs

    private void configs() throws Exception {
        Path dir = Files.createDirectories(work.resolve("conf"));
        Path defaults = Path.of("conf/search-default.conf").toAbsolutePath();
        String include = "include file(\"" + defaults + "\")\n";
        config("a config file that is not there", null);
        config("HOCON syntax error", "search { budget { steps = 3 }\n");
        config("a misspelt key (search.budget.stepz)", include + "search.budget.stepz = 3\n");
        config("a mistyped value (steps = many)", include + "search.budget.steps = many\n");
        config("a negative budget", include + "search.budget.steps = -1\n");
        config("an unknown law", include + "policy.laws = [ { name = telepathy } ]\n");
        config("an unknown objective", include + "policy.objective.name = happiness\n");
        config("a base the zoo does not have", include + "search.base = no-such-model\n");
        config("a zoo folder that is not there", include + "search.zoo = " + JSON.writeValueAsString(work.resolve("no-zoo").toString()) + "\n");
        Path copy = dir.resolve("copied").resolve("search-default.conf");
        Files.createDirectories(copy.getParent());
        Files.copy(defaults, copy);
        runSearchStart("config: conf/search-default.conf copied alone (its include \"laws.conf\" left behind)", copy);
    }

    private void config(String name, String text) throws Exception {
        Path f = work.resolve("conf").resolve(String.format(Locale.ROOT, "c%02d.conf", rows.size() + 1));
        if (text != null) Files.writeString(f, text);
        runSearchStart("config: " + name, f);
    }

    private void runSearchStart(String name, Path conf) throws Exception {
        run(name, "search", "start", "--conf", conf.toString(), "--store", work.resolve("runs").resolve("r" + (rows.size() + 1)).toString());
    }

    // ------------------------------------------------------------------ damaged stores and search folders

    private void stores() throws Exception {
        Path empty = Files.createDirectories(work.resolve("empty-folder"));
        run("search folder: an empty folder (status)", "search", "status", empty.toString());
        run("search folder: an empty folder (resume)", "search", "resume", empty.toString());
        Path notStore = Files.createDirectories(work.resolve("not-a-store").resolve("store"));
        Files.writeString(notStore.resolve("notes.txt"), "hello");
        run("search folder: store/ holds other files", "search", "status", notStore.getParent().toString());

        // one real, finished search to damage: the default search, one step
        Path conf = work.resolve("conf").resolve("one-step.conf");
        Files.writeString(conf, "include file(\"" + Path.of("conf/search-default.conf").toAbsolutePath() + "\")\nsearch.budget.steps = 1\n");
        Path sound = work.resolve("sound");
        int code = start(List.of("search", "start", "--conf", conf.toString(), "--store", sound.toString()), work.resolve("sound.log")).waitFor();
        if (code != 0) throw new IllegalStateException("the search to damage failed; see " + work.resolve("sound.log"));
        run("search folder: a finished search (resume; not an error)", "search", "resume", sound.toString());

        damaged("CURRENT deleted", s -> Files.delete(s.resolve("CURRENT")), "search", "status");
        damaged("CURRENT names a MANIFEST that is not there", s -> Files.writeString(s.resolve("CURRENT"), "MANIFEST-999999\n"), "search", "status");
        damaged("MANIFEST truncated to 10 bytes", s -> {
            Path m = only(s, "MANIFEST-");
            Files.write(m, Arrays.copyOf(Files.readAllBytes(m), 10));
        }, "search", "status");
        damaged("a flipped byte in the MANIFEST", s -> flip(only(s, "MANIFEST-"), 40), "search", "status");
        // after a clean close the write-ahead log is empty: the journal is in the table (.sst) and blob files
        damaged("a flipped byte in the newest table file (verify)", s -> flip(only(s, ".sst"), 300), "store", "verify");
        damaged("a flipped byte in the newest table file (resume)", s -> flip(only(s, ".sst"), 300), "search", "resume");
        damaged("a flipped byte in a blob file (verify)", s -> flip(only(s, ".blob"), 300), "store", "verify");
        damaged("store/ deleted", s -> deleteTree(s), "search", "resume");
        damaged("assemblies/ deleted: export restores from the store's blobs (not an error)",
                s -> deleteTree(s.getParent().resolve("assemblies")), "export", "--out", work.resolve("exported.safetensors").toString());
    }

    private interface Damage { void apply(Path store) throws IOException; }

    private void damaged(String name, Damage damage, String... command) throws Exception {
        Path copy = work.resolve("damaged").resolve(String.format(Locale.ROOT, "d%02d", rows.size() + 1));
        copyTree(work.resolve("sound"), copy);
        try {
            damage.apply(copy.resolve("store"));
        } catch (IllegalStateException cannot) {   // e.g. no write-ahead log left after a clean close
            rows.add(new String[] {"store: " + name, "-", "-", "-", "(case not made: " + cannot.getMessage().replace(work.toString(), "$W") + ")"});
            return;
        }
        List<String> args = new ArrayList<>(List.of(command));
        args.add(command[0].equals("export") ? 1 : 2, command[0].equals("store") ? copy.resolve("store").toString() : copy.toString());
        run("store: " + name, args.toArray(String[]::new));
    }

    // ------------------------------------------------------------------ running a case

    private void run(String name, String... args) throws Exception {
        Path log = work.resolve("logs").resolve((rows.size() + 1) + ".log");
        Files.createDirectories(log.getParent());
        Process p = start(List.of(args), log);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.toHandle().destroyForcibly();
            throw new IllegalStateException(name + ": no answer within 300 s");
        }
        List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
        // the message: the first line starting with mal: (errors), else the first line printed
        String first = lines.stream().filter(l -> l.startsWith("mal:")).findFirst().orElse(lines.isEmpty() ? "(nothing)" : lines.get(0));
        String shown = String.join(" ", args).replace(work.toString(), "$W");
        rows.add(new String[] {name, "./mal " + shown, String.valueOf(p.exitValue()), String.valueOf(first.length()),
                first.replace(work.toString(), "$W").replace("|", "\\|")});
        System.err.printf(Locale.ROOT, "%d %s: exit %d%n", rows.size(), name, p.exitValue());
    }

    private static Process start(List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("./mal"));
        cmd.addAll(args);
        // the error stream first: a failing command's message is its first line there
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    // ------------------------------------------------------------------ safetensors bytes

    private static int headerLength(byte[] file) {
        return (int) ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static byte[] withLength(byte[] file, long length) {
        byte[] out = file.clone();
        ByteBuffer.wrap(out, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(length);
        return out;
    }

    /** The file with another header and the same data. */
    private static byte[] withHeader(byte[] file, byte[] header) {
        int n = file.length >= 8 ? Math.min(headerLength(file), file.length - 8) : 0;
        byte[] data = Arrays.copyOfRange(file, Math.min(file.length, 8 + n), file.length);
        byte[] out = new byte[8 + header.length + data.length];
        ByteBuffer.wrap(out, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
        System.arraycopy(header, 0, out, 8, header.length);
        System.arraycopy(data, 0, out, 8 + header.length, data.length);
        return out;
    }

    private static byte[] edit(byte[] file, Consumer<ObjectNode> change) throws IOException {
        ObjectNode h = (ObjectNode) JSON.readTree(Arrays.copyOfRange(file, 8, 8 + headerLength(file)));
        change.accept(h);
        return withHeader(file, JSON.writeValueAsBytes(h));
    }

    private static byte[] editMeta(byte[] file, Consumer<ObjectNode> change) throws IOException {
        return edit(file, h -> change.accept((ObjectNode) h.get("__metadata__")));
    }

    private static String editJson(String json, Consumer<ObjectNode> change) {
        try {
            ObjectNode n = (ObjectNode) JSON.readTree(json);
            change.accept(n);
            return n.toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] stripMeta(byte[] file) throws IOException { return edit(file, h -> h.remove("__metadata__")); }

    /** The file with the {@code index}-th float of the data (F32) set to {@code value}. */
    private static byte[] floatAt(byte[] file, int index, float value) {
        byte[] out = file.clone();
        ByteBuffer.wrap(out, 8 + headerLength(file) + 4 * index, 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value);
        return out;
    }

    // ------------------------------------------------------------------ files

    private static Path only(Path dir, String part) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().contains(part)).max(Comparator.naturalOrder())
                    .orElseThrow(() -> new IllegalStateException("no file with '" + part + "' in " + dir));
        }
    }

    private static void flip(Path file, int at) throws IOException {
        byte[] b = Files.readAllBytes(file);
        if (b.length == 0) throw new IllegalStateException(file.getFileName() + " is empty");
        b[Math.min(at, b.length - 1)] ^= 0x10;
        Files.write(file, b);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else if (!p.getFileName().toString().equals("LOCK")) Files.copy(p, t);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
