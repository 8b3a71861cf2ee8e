package org.mal.core.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mal.core.io.Safetensors;
import org.mal.core.io.SafetensorsFile;
import org.mal.core.io.SafetensorsHeader;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Models in safetensors files. Our files carry the architecture and the model card as JSON strings
 * in {@code __metadata__} ({@value #ARCHITECTURE_KEY}, {@value #CARD_KEY}); a file without them
 * (a PyTorch state dict of {@code Linear} layers, under any module names) is read by inferring the
 * MLP from tensor names and shapes ({@link LayerChain}).
 */
public final class ModelIO {
    public static final String FORMAT_KEY = "mal.format";
    public static final String ARCHITECTURE_KEY = "mal.architecture";
    public static final String CARD_KEY = "mal.card";
    public static final String FORMAT_VERSION = "1";

    /** Shared JSON mapper: unknown properties are errors, so a misspelt card field is noticed. */
    public static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private ModelIO() {}

    /** A model read from a file, with its card when the file has one. */
    public record Loaded(Model model, Optional<ModelCard> card, boolean inferredArchitecture) {}

    /**
     * Writes weights, architecture and (if not null) card. The card's weights hash must be the
     * model's content hash: a card never describes other weights than those next to it.
     */
    public static void save(Path file, Model model, ModelCard card) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(FORMAT_KEY, FORMAT_VERSION);
        metadata.put(ARCHITECTURE_KEY, JSON.writeValueAsString(model.architecture()));
        if (card != null) {
            if (!card.weightsHash().equals(model.contentHash())) {
                throw new IllegalArgumentException("card " + card.id() + " names weights " + card.weightsHash()
                        + " but the model's weights hash to " + model.contentHash());
            }
            if (!card.architecture().equals(model.architecture())) {
                throw new IllegalArgumentException("card " + card.id() + " names architecture " + card.architecture().describe()
                        + " but the model is " + model.architecture().describe());
            }
            metadata.put(CARD_KEY, JSON.writeValueAsString(card));
        }
        Safetensors.write(file, model.params(), metadata);
    }

    /**
     * Writes a CNN (its state dict, {@code CnnIO}'s architecture metadata, so {@code CnnIO.load} reads it) with its
     * card, whose {@link ModelCard#cnn()} and weights hash must be the model's.
     */
    public static void saveCnn(Path file, org.mal.core.cnn.CnnModel model, ModelCard card) throws IOException {
        if (!card.convolutional() || !card.cnn().equals(model.architecture())) {
            throw new IllegalArgumentException("card " + card.id() + " does not describe the CNN " + model.architecture().describe());
        }
        String hash = Model.hashParams(model.params());
        if (!card.weightsHash().equals(hash)) {
            throw new IllegalArgumentException("card " + card.id() + " names weights " + card.weightsHash() + " but the CNN's weights hash to " + hash);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(FORMAT_KEY, FORMAT_VERSION);
        metadata.put(org.mal.core.cnn.CnnIO.ARCHITECTURE_KEY, JSON.writeValueAsString(model.architecture()));
        metadata.put(CARD_KEY, JSON.writeValueAsString(card));
        Safetensors.write(file, model.params(), metadata);
    }

    /**
     * A model file that was read but does not hold a valid model (weights that are not the ones its
     * card names, non-finite values, metadata or tensors that do not fit): reading the same bytes
     * again fails the same way. The message starts with the file's path.
     */
    public static final class InvalidModelFileException extends IOException {
        private static final long serialVersionUID = 1L;

        InvalidModelFileException(String message) { super(message); }

        InvalidModelFileException(String message, Throwable cause) { super(message, cause); }
    }

    /**
     * Reads a model; checks the card's architecture against the tensors, and the weights against the
     * card's hash, when there is a card.
     */
    public static Loaded load(Path file) throws IOException {
        SafetensorsFile st = Safetensors.read(file);
        Map<String, String> metadata = st.metadata();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        st.tensors().forEach((name, t) -> shapes.put(name, t.shape()));
        Optional<ModelCard> card = readCard(file, metadata, shapes);
        String archJson = metadata.get(ARCHITECTURE_KEY);
        Model model;
        boolean inferred = archJson == null;
        if (inferred) {
            model = inferMlp(file, st.tensors());
        } else {
            Architecture arch = parse(file, ARCHITECTURE_KEY, archJson, Architecture.class, shapes);
            if (!fits(arch, shapes)) {
                throw new InvalidModelFileException(file + ": metadata " + ARCHITECTURE_KEY + " says the architecture is " + arch.describe()
                        + " but the tensors are " + describeTensors(file, shapes));
            }
            try {
                model = new Model(arch, st.tensors());
            } catch (IllegalArgumentException e) {
                throw new InvalidModelFileException(file + ": " + e.getMessage(), e);
            }
        }
        for (var e : model.params().entrySet()) {
            INDArray t = e.getValue();
            if (t.isNaN().any() || t.isInfinite().any()) {
                double[] v = t.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble();
                int k = 0;
                while (k < v.length && Double.isFinite(v[k])) k++;
                throw new InvalidModelFileException(file + ": tensor " + e.getKey() + " holds a non-finite value (" + v[k] + " at flat index "
                        + k + ")");
            }
        }
        if (card.isPresent() && !card.get().weightsHash().equals(model.contentHash())) {
            throw new InvalidModelFileException(file + ": the weights hash to " + model.contentHash() + " but the model card says "
                    + card.get().weightsHash() + "; the file is corrupt or was edited");
        }
        return new Loaded(model, card, inferred);
    }

    /** The card alone, from the header (its architecture checked against the tensors' shapes): cheap enough to list a zoo of thousands of files. */
    public static Optional<ModelCard> readCard(Path file) throws IOException {
        SafetensorsHeader header = Safetensors.readHeader(file);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        header.tensors().forEach((name, info) -> shapes.put(name, info.shape()));
        return readCard(file, header.metadata(), shapes);
    }

    /** The architecture from the header alone (inferred for files without our metadata). */
    public static Architecture readArchitecture(Path file) throws IOException {
        SafetensorsHeader header = Safetensors.readHeader(file);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        header.tensors().forEach((name, info) -> shapes.put(name, info.shape()));
        String json = header.metadata().get(ARCHITECTURE_KEY);
        if (json != null) return parse(file, ARCHITECTURE_KEY, json, Architecture.class, shapes);
        return inferArchitecture(file, shapes).architecture();
    }

    private static Optional<ModelCard> readCard(Path file, Map<String, String> metadata, Map<String, long[]> shapes) throws IOException {
        String json = metadata.get(CARD_KEY);
        if (json == null) return Optional.empty();
        ModelCard card = parse(file, CARD_KEY, json, ModelCard.class, shapes);
        if (card.convolutional()) {
            java.util.Set<String> want = new java.util.HashSet<>();
            boolean fit = true;
            for (var p : card.cnn().params()) {
                want.add(p.name());
                long[] shape = shapes.get(p.name());
                fit &= shape != null && java.util.Arrays.equals(shape, p.shape());
            }
            if (!fit || !want.equals(shapes.keySet())) {
                throw new InvalidModelFileException(file + ": the model card says the CNN is " + card.cnn().describe() + " but the tensors are "
                        + describeTensors(file, shapes));
            }
            return Optional.of(card);
        }
        if (!fits(card.architecture(), shapes)) {
            throw new InvalidModelFileException(file + ": the model card says the architecture is " + card.architecture().describe()
                    + " but the tensors are " + describeTensors(file, shapes));
        }
        return Optional.of(card);
    }

    /** Whether the tensors are exactly the architecture's parameters, by name and shape. */
    private static boolean fits(Architecture arch, Map<String, long[]> shapes) {
        List<Layer.ParamSpec> params = arch.params();
        if (params.size() != shapes.size()) return false;
        for (Layer.ParamSpec p : params) {
            long[] shape = shapes.get(p.name());
            if (shape == null || !java.util.Arrays.equals(shape, p.shape())) return false;
        }
        return true;
    }

    /** What the tensors are: the MLP their names and shapes make (e.g. {@code 784-64-64-10}), else each tensor's shape. */
    private static String describeTensors(Path file, Map<String, long[]> shapes) {
        try {
            return inferArchitecture(file, shapes).architecture().describe();
        } catch (IOException | RuntimeException notAnMlp) {
            List<String> each = new ArrayList<>();
            shapes.forEach((name, shape) -> each.add(name + " " + java.util.Arrays.toString(shape)));
            return each.isEmpty() ? "none" : String.join(", ", each);
        }
    }

    /**
     * A metadata value read as {@code type}; an invalid one is one line naming the file, the key, the
     * field and the reason (not Jackson's text with its source location and reference chain), and for
     * an invalid architecture what the tensors are. Jackson's exception is kept as a suppressed one
     * for {@code --verbose}.
     */
    private static <T> T parse(Path file, String key, String json, Class<T> type, Map<String, long[]> shapes) throws IOException {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            String field = "";
            String reason;
            if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m) {
                List<String> path = new ArrayList<>();
                for (var ref : m.getPath()) path.add(ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]");
                field = String.join(".", path).replace(".[", "[");
            }
            if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException u) {
                reason = "unknown field '" + u.getPropertyName() + "'";
                field = field.endsWith(u.getPropertyName()) ? field.substring(0, Math.max(0, field.length() - u.getPropertyName().length() - 1)) : field;
            } else if (e instanceof com.fasterxml.jackson.databind.exc.ValueInstantiationException && e.getCause() != null
                    && e.getCause().getMessage() != null) {
                reason = e.getCause().getMessage();   // the record's own check, e.g. "layer 1 expects 64 inputs but receives 32"
            } else if (e instanceof JsonProcessingException j) {
                reason = j.getOriginalMessage();
            } else {
                reason = e.getMessage();
            }
            boolean architecture = type == Architecture.class || field.equals("architecture") || field.startsWith("architecture.");
            IOException io = new InvalidModelFileException(file + ": metadata " + key + " is not a valid " + type.getSimpleName()
                    + (field.isEmpty() ? "" : " (field '" + field + "')") + ": " + String.valueOf(reason).replace('\n', ' ')
                    + (architecture ? "; the tensors are " + describeTensors(file, shapes) : ""));
            io.addSuppressed(e);
            throw io;
        }
    }

    private static Model inferMlp(Path file, Map<String, INDArray> tensors) throws IOException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((name, t) -> shapes.put(name, t.shape()));
        return fromChain(tensors, inferArchitecture(file, shapes));
    }

    /**
     * The model that {@code chain}'s layers of {@code tensors} make, with MAL's tensor names; a layer
     * without a bias gets a bias of zeros (same function). The tensors are not modified.
     */
    public static Model fromChain(Map<String, INDArray> tensors, LayerChain.Chain chain) {
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (int i = 0; i < chain.links().size(); i++) {
            LayerChain.Link l = chain.links().get(i);
            INDArray w = tensors.get(l.weight());
            params.put(Architecture.weightName(i), w);
            params.put(Architecture.biasName(i), l.bias() != null ? tensors.get(l.bias()) : Nd4j.zeros(w.dataType(), l.outputSize()));
        }
        return new Model(chain.architecture(), params);
    }

    /**
     * The MLP of a file without our metadata: its dense layers found by {@link LayerChain#infer} from
     * the tensors' names and shapes (any module names; input size and classes not known here).
     */
    private static LayerChain.Chain inferArchitecture(Path file, Map<String, long[]> shapes) throws IOException {
        if (shapes.isEmpty()) throw new InvalidModelFileException(file + ": holds no tensors");
        try {
            return LayerChain.infer(shapes, 0, 0);
        } catch (IllegalArgumentException e) {
            throw new InvalidModelFileException(file + ": has no MAL metadata and " + e.getMessage(), e);
        }
    }
}
