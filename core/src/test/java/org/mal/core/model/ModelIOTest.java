package org.mal.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.io.Safetensors;
import org.mal.core.train.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;

class ModelIOTest {
    @TempDir Path dir;

    private static ModelCard cardOf(String id, Model m) {
        return new ModelCard(id, m.architecture(), "pyramid",
                new ModelCard.DatasetRef("blobs", "blobs/train", "aa", "blobs/test", "bb"),
                new Metrics(0.5, 0.8, 100), new Metrics(0.6, 0.75, 10), new Metrics(0.7, 0.7, 50),
                new ModelCard.Recipe("adam", 1e-3, 2, 32, 7, List.of(1e-4, 1e-3), 0.1, 1.5),
                new ModelCard.Provenance(List.of(), "test", "here", "2026-11-22T00:00:00Z"),
                m.contentHash());
    }

    @Test
    void roundTripKeepsWeightsBitExactAndTheCard() throws IOException {
        Model m = Trainer.initialWeights(Architecture.mlp(7, List.of(5, 4), 3), 1);
        Path file = dir.resolve("m.safetensors");
        ModelIO.save(file, m, cardOf("m", m));
        ModelIO.Loaded loaded = ModelIO.load(file);
        assertEquals(m.contentHash(), loaded.model().contentHash());
        assertEquals(m.architecture(), loaded.model().architecture());
        assertEquals(cardOf("m", m), loaded.card().orElseThrow());
        assertFalse(loaded.inferredArchitecture());
        assertEquals(cardOf("m", m), ModelIO.readCard(file).orElseThrow());
    }

    @Test
    void readsAPyTorchStyleFileWithoutMetadataByInferringTheMlp() throws IOException {
        Model m = Trainer.initialWeights(Architecture.mlp(6, List.of(4, 3), 2), 2);
        // nn.Sequential(Linear, ReLU, Dropout, Linear, ReLU, Linear): module indices 0, 3, 5
        Map<String, INDArray> torch = new LinkedHashMap<>();
        torch.put("0.weight", m.weight(0));
        torch.put("0.bias", m.bias(0));
        torch.put("3.weight", m.weight(1));
        torch.put("3.bias", m.bias(1));
        torch.put("5.weight", m.weight(2));
        torch.put("5.bias", m.bias(2));
        Path file = dir.resolve("torch.safetensors");
        Safetensors.write(file, torch, Map.of());
        ModelIO.Loaded loaded = ModelIO.load(file);
        assertTrue(loaded.inferredArchitecture());
        assertTrue(loaded.card().isEmpty());
        assertEquals(m.architecture(), loaded.model().architecture());
        assertEquals(m.contentHash(), loaded.model().contentHash());
        assertEquals(m.architecture(), ModelIO.readArchitecture(file));
    }

    @Test
    void inferenceNamesWhatIsNotAnMlp() throws IOException {
        Model m = Trainer.initialWeights(Architecture.mlp(6, List.of(4), 2), 2);
        Map<String, INDArray> bad = new LinkedHashMap<>();
        bad.put("0.weight", m.weight(0));
        bad.put("0.bias", m.bias(0));
        bad.put("conv.kernel", m.weight(1));
        Path file = dir.resolve("bad.safetensors");
        Safetensors.write(file, bad, Map.of());
        IOException e = assertThrows(IOException.class, () -> ModelIO.load(file));
        assertTrue(e.getMessage().contains("conv.kernel"), e.getMessage());

        Map<String, INDArray> chain = new LinkedHashMap<>();
        chain.put("0.weight", m.weight(0));
        chain.put("0.bias", m.bias(0));
        chain.put("2.weight", m.weight(0)); // takes 6 inputs, previous layer gives 4
        chain.put("2.bias", m.bias(0));
        Path broken = dir.resolve("chain.safetensors");
        Safetensors.write(broken, chain, Map.of());
        e = assertThrows(IOException.class, () -> ModelIO.load(broken));
        assertTrue(e.getMessage().contains("takes 6 inputs but the previous layer gives 4"), e.getMessage());
    }

    @Test
    void weightsThatDoNotMatchTheCardAreReportedAsCorrupt() throws IOException {
        Model m = Trainer.initialWeights(Architecture.mlp(7, List.of(5), 3), 1);
        Path file = dir.resolve("m.safetensors");
        ModelIO.save(file, m, cardOf("m", m));
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x40; // flip a bit inside the last tensor's data
        Files.write(file, bytes);
        IOException e = assertThrows(IOException.class, () -> ModelIO.load(file));
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    void nonFiniteWeightsAreReportedWithTheTensor() throws IOException {
        Model m = Trainer.initialWeights(Architecture.mlp(6, List.of(4), 2), 2);
        Map<String, INDArray> params = new LinkedHashMap<>(m.params());
        INDArray broken = m.weight(1).dup();
        broken.putScalar(1, 3, Float.NaN);
        params.put("2.weight", broken);
        Path file = dir.resolve("nan.safetensors");
        Safetensors.write(file, params, Map.of());
        IOException e = assertThrows(IOException.class, () -> ModelIO.load(file));
        assertTrue(e.getMessage().contains("2.weight") && e.getMessage().contains("NaN") && e.getMessage().contains("index 7"), e.getMessage());
    }

    @Test
    void refusesToWriteACardForOtherWeights() {
        Model m = Trainer.initialWeights(Architecture.mlp(7, List.of(5), 3), 1);
        Model other = Trainer.initialWeights(Architecture.mlp(7, List.of(5), 3), 2);
        Path file = dir.resolve("m.safetensors");
        assertThrows(IllegalArgumentException.class, () -> ModelIO.save(file, m, cardOf("m", other)));
        assertFalse(Files.exists(file));
    }

    @Test
    void cardJsonWithUnknownFieldsIsRejectedNamingTheKey() throws IOException {
        Model m = Trainer.initialWeights(Architecture.mlp(7, List.of(5), 3), 1);
        Path file = dir.resolve("m.safetensors");
        String json = ModelIO.JSON.writeValueAsString(cardOf("m", m));
        Safetensors.write(file, m.params(), Map.of(ModelIO.CARD_KEY, json.replace("{\"id\"", "{\"bogus\":1,\"id\"")));
        IOException e = assertThrows(IOException.class, () -> ModelIO.readCard(file));
        assertTrue(e.getMessage().contains(ModelIO.CARD_KEY) && e.getMessage().contains("bogus"), e.getMessage());

        Safetensors.write(file, m.params(), Map.of(ModelIO.CARD_KEY, "{\"id\":\"x\"}"));
        e = assertThrows(IOException.class, () -> ModelIO.readCard(file));
        assertTrue(e.getMessage().contains("model card x needs an 'architecture'"), e.getMessage());
    }

    @Test
    void theShardAndTheZooHoldoutRoundTrip() throws IOException {
        Model m = Trainer.initialWeights(Architecture.mlp(7, List.of(5, 4), 3), 1);
        ModelCard plain = cardOf("m", m);
        ModelCard card = new ModelCard(plain.id(), plain.architecture(), plain.family(), plain.dataset(), plain.train(), plain.validation(),
                plain.test(), plain.recipe(), plain.provenance(), plain.weightsHash(), null,
                new ModelCard.Shard(2, 4, false, 0.5, 18, 100, 110, "cafe", List.of(60, 40, 10)),
                new ModelCard.Holdout(18, 20, "beef", "f00d", "aa"));
        Path file = dir.resolve("sharded.safetensors");
        ModelIO.save(file, m, card);
        assertEquals(card, ModelIO.readCard(file).orElseThrow());
        assertEquals(card, ModelIO.load(file).card().orElseThrow());

        ModelCard iid = new ModelCard(plain.id(), plain.architecture(), plain.family(), plain.dataset(), plain.train(), plain.validation(),
                plain.test(), plain.recipe(), plain.provenance(), plain.weightsHash(), null,
                new ModelCard.Shard(1, 4, true, null, 18, 100, 110, "cafe", List.of(60, 40, 10)), null);
        ModelIO.save(file, m, iid);
        assertEquals(iid, ModelIO.readCard(file).orElseThrow());
        assertFalse(ModelIO.JSON.writeValueAsString(iid).contains("alpha"), "an IID shard has no alpha, and writes none");

        // the model's metrics on the held-out rows round-trip; a holdout without them writes none
        ModelCard measured = new ModelCard(plain.id(), plain.architecture(), plain.family(), plain.dataset(), plain.train(),
                plain.validation(), plain.test(), plain.recipe(), plain.provenance(), plain.weightsHash(), null, null,
                new ModelCard.Holdout(18, 20, "beef", "f00d", "aa").withMetrics(new Metrics(0.7, 0.85, 20)));
        ModelIO.save(file, m, measured);
        assertEquals(measured, ModelIO.readCard(file).orElseThrow());
        assertEquals(0.85, ModelIO.readCard(file).orElseThrow().holdout().metrics().accuracy());
        assertFalse(ModelIO.JSON.writeValueAsString(card).contains("metrics"), "no metrics, none written");
    }

    /** A card written before shards and holdouts existed (from the default zoo of 2026-12-01) still reads, with neither. */
    @Test
    void aCardFromBeforeShardsStillReads() throws IOException {
        String json;
        try (var in = ModelIOTest.class.getResourceAsStream("/golden/card-before-shards.json")) {
            json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        }
        ModelCard card = ModelIO.JSON.readValue(json, ModelCard.class);
        assertEquals("mnist-pyramid-32x64x32", card.id());
        assertEquals(7200, card.train().samples());
        assertEquals(null, card.shard());
        assertEquals(null, card.holdout());
        assertEquals(json, ModelIO.JSON.writeValueAsString(card), "and writes back byte for byte");
    }

    /** The file written with a card whose architecture JSON is changed by {@code edit}. */
    private Path withCardArchitecture(java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> edit) throws IOException {
        Model m = Trainer.initialWeights(Architecture.mlp(7, List.of(5), 3), 1);
        var card = (com.fasterxml.jackson.databind.node.ObjectNode) ModelIO.JSON.valueToTree(cardOf("m", m));
        edit.accept((com.fasterxml.jackson.databind.node.ObjectNode) card.get("architecture"));
        Path file = dir.resolve("edited.safetensors");
        Safetensors.write(file, m.params(), Map.of(ModelIO.ARCHITECTURE_KEY, ModelIO.JSON.writeValueAsString(m.architecture()),
                ModelIO.CARD_KEY, card.toString()));
        return file;
    }

    @Test
    void aCardWhoseArchitectureIsNotTheTensorsIsOneLineSayingBoth() throws IOException {
        Path file = withCardArchitecture(a -> {
            ((com.fasterxml.jackson.databind.node.ObjectNode) a.get("layers").get(0)).put("outputSize", 4);
            ((com.fasterxml.jackson.databind.node.ObjectNode) a.get("layers").get(1)).put("inputSize", 4);
        });
        for (var read : List.<org.junit.jupiter.api.function.Executable>of(() -> ModelIO.load(file), () -> ModelIO.readCard(file))) {
            IOException e = assertThrows(IOException.class, read);
            assertEquals(file + ": the model card says the architecture is 7-4-3 but the tensors are 7-5-3", e.getMessage());
        }
    }

    @Test
    void aCardWithAnArchitectureThatDoesNotFitTogetherIsOneLineWithoutJacksonText() throws IOException {
        // the widths edited in one place only: the card's architecture cannot even be built
        Path file = withCardArchitecture(a -> ((com.fasterxml.jackson.databind.node.ObjectNode) a.get("layers").get(0)).put("outputSize", 4));
        IOException e = assertThrows(IOException.class, () -> ModelIO.load(file));
        assertEquals(file + ": metadata mal.card is not a valid ModelCard (field 'architecture'): layer 1 expects 5 inputs but receives 4;"
                + " the tensors are 7-5-3", e.getMessage());
        assertEquals(null, e.getCause(), "no cause whose Jackson text would be added to the line");

        Model m = Trainer.initialWeights(Architecture.mlp(7, List.of(5), 3), 1);
        Safetensors.write(file, m.params(), Map.of(ModelIO.ARCHITECTURE_KEY, "{\"inputSize\":7,\"layers\":[{\"type\":\"dense\","
                + "\"inputSize\":7,\"outputSize\":4,\"activation\":\"RELU\"},{\"type\":\"dense\",\"inputSize\":5,\"outputSize\":3,"
                + "\"activation\":\"SOFTMAX\"}]}"));
        e = assertThrows(IOException.class, () -> ModelIO.load(file));
        assertEquals(file + ": metadata mal.architecture is not a valid Architecture: layer 1 expects 5 inputs but receives 4;"
                + " the tensors are 7-5-3", e.getMessage());
    }
}
