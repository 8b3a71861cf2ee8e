package org.mal.core.cnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.io.Safetensors;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.mal.core.model.ModelIO;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CnnIOTest {
    @TempDir Path dir;

    /** The shape of nn.Sequential(Conv, BN, ReLU, MaxPool, Conv(no bias), BN, ReLU, MaxPool, Flatten, Linear, ReLU, Linear). */
    static CnnArchitecture conventional() {
        return new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, 6, 3, 1, 1, true), new CnnLayer.BatchNorm2d(6, 1e-5), new CnnLayer.Relu(), new CnnLayer.MaxPool2d(2, 2),
                new CnnLayer.Conv2d(6, 8, 5, 1, 2, false), new CnnLayer.BatchNorm2d(8, 1e-5), new CnnLayer.Relu(), new CnnLayer.MaxPool2d(2, 2),
                new CnnLayer.Flatten(), new CnnLayer.Linear(8 * 49, 32, true), new CnnLayer.Relu(), new CnnLayer.Linear(32, 10, true)));
    }

    static CnnArchitecture globallyPooled() {
        return new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, 5, 3, 1, 1, true), new CnnLayer.BatchNorm2d(5, 1e-5), new CnnLayer.Relu(),
                new CnnLayer.Conv2d(5, 7, 3, 1, 1, true), new CnnLayer.Relu(), new CnnLayer.GlobalAvgPool(),
                new CnnLayer.Flatten(), new CnnLayer.Linear(7, 10, false)));
    }

    private static Map<String, long[]> shapes(CnnArchitecture arch) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (CnnArchitecture.Param p : arch.params()) shapes.put(p.name(), p.shape());
        return shapes;
    }

    @Test
    void savedCnnLoadsBackWithItsArchitectureAndTheSameTensors() throws IOException {
        CnnModel model = CnnTestNets.random(CnnTestNets.plain(4, 6, 5, 12), 7, DataType.FLOAT);
        Path file = dir.resolve("cnn.safetensors");
        CnnIO.save(file, model);
        CnnIO.Loaded back = CnnIO.load(file);
        assertFalse(back.inferred());
        assertEquals(model.architecture(), back.model().architecture());
        assertEquals(model.params().keySet(), back.model().params().keySet());
        model.params().forEach((name, t) -> assertEquals(t, back.model().params().get(name), name));
        assertEquals(DataType.INT64, back.model().params().get("1.num_batches_tracked").dataType());
        assertEquals("I64", Safetensors.readHeader(file).tensors().get("5.num_batches_tracked").dtype());
        INDArray x = CnnTestNets.images(3, 1, DataType.FLOAT);
        assertEquals(0.0, CnnTestNets.maxAbsDiff(model.logits(x), back.model().logits(x)));
    }

    @Test
    void everyLayerTypeSurvivesTheMetadataRoundTrip() throws IOException {
        for (CnnArchitecture arch : List.of(CnnTestNets.resnet(), CnnTestNets.plain(3, 4, 5, 6), CnnTestNets.pooled(3, 4))) {
            Path file = dir.resolve("arch.safetensors");
            CnnIO.save(file, CnnTestNets.random(arch, 1, DataType.FLOAT));
            assertEquals(arch, CnnIO.load(file).model().architecture(), arch.describe());
        }
        String json = org.mal.core.model.ModelIO.JSON.writeValueAsString(CnnTestNets.resnet());
        assertTrue(json.contains("{\"type\":\"residual\",\"inChannels\":6,\"outChannels\":8,\"stride\":2}"), json);
    }

    @Test
    void aStateDictWithoutMetadataIsInferredFromNamesShapesAndOrder() throws IOException {
        for (CnnArchitecture arch : List.of(conventional(), globallyPooled())) {
            CnnModel model = CnnTestNets.random(arch, 3, DataType.FLOAT);
            Path file = dir.resolve("state-dict.safetensors");
            Safetensors.write(file, model.params(), null);
            CnnIO.Loaded back = CnnIO.load(file);
            assertTrue(back.inferred());
            assertEquals(arch, back.model().architecture(), arch.describe());
            assertEquals(1, back.notes().size());
            assertTrue(back.notes().get(0).contains("stride 1 and padding (k-1)/2"), back.notes().get(0));
        }
    }

    @Test
    void residualBlocksAreInferredFromTorchvisionsNames() throws IOException {
        CnnModel model = CnnTestNets.random(CnnTestNets.resnet(), 3, DataType.FLOAT);
        Path file = dir.resolve("resnet.safetensors");
        Safetensors.write(file, model.params(), null);
        CnnIO.Loaded back = CnnIO.load(file);
        assertEquals(CnnTestNets.resnet(), back.model().architecture());
        assertTrue(back.notes().get(0).endsWith("residual blocks with a downsample assumed stride 2 (torchvision's convention)"), back.notes().toString());
        // a block without its second batch norm
        Map<String, long[]> shapes = new LinkedHashMap<>(shapes(CnnTestNets.resnet()));
        shapes.remove("3.bn2.running_var");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CnnIO.infer(shapes, 1, 28, 28));
        assertTrue(e.getMessage().endsWith("as a residual block (BasicBlock(6, 6, stride=1)) it needs bn2.running_var [6]"), e.getMessage());
    }

    @Test
    void aMissingCounterIsFilledWithZeroAndNoted() throws IOException {
        CnnModel model = CnnTestNets.random(globallyPooled(), 3, DataType.FLOAT);
        Map<String, INDArray> tensors = new LinkedHashMap<>(model.params());
        tensors.remove("1.num_batches_tracked");
        Path file = dir.resolve("no-counter.safetensors");
        Safetensors.write(file, tensors, null);
        CnnIO.Loaded back = CnnIO.load(file);
        assertEquals(0L, back.model().params().get("1.num_batches_tracked").getLong(0));
        assertTrue(back.notes().get(1).startsWith("1.num_batches_tracked missing"), back.notes().toString());
    }

    @Test
    void whatAStateDictCannotTellIsAnErrorNamingIt() {
        // a stride-2 conv: the assumed stride 1 makes the flatten too large for the first linear
        CnnArchitecture strided = new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, 4, 3, 2, 1, true), new CnnLayer.Relu(), new CnnLayer.Flatten(), new CnnLayer.Linear(4 * 14 * 14, 10, true)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CnnIO.infer(shapes(strided), 1, 28, 28));
        assertEquals("module 3: Linear(in_features=784, out_features=10) expects 784 inputs but receives 3136; assumed 1: ReLU(), 2: Flatten()",
                e.getMessage());
        // three positions without tensors between two convs
        Map<String, long[]> gap = new LinkedHashMap<>();
        gap.put("0.weight", new long[] {4, 1, 3, 3});
        gap.put("4.weight", new long[] {4, 4, 3, 3});
        gap.put("6.weight", new long[] {10, 4 * 14 * 14});
        e = assertThrows(IllegalArgumentException.class, () -> CnnIO.infer(gap, 1, 28, 28));
        assertTrue(e.getMessage().startsWith("modules 1..3 have no tensors; at most 2 (ReLU, MaxPool2d) can be inferred there"), e.getMessage());
        // not nn.Sequential names
        e = assertThrows(IllegalArgumentException.class, () -> CnnIO.infer(Map.of("features.0.weight", new long[] {4, 1, 3, 3}), 1, 28, 28));
        assertEquals("tensor features.0.weight is not named as a module of an nn.Sequential ('<index>.<tensor>', e.g. 0.weight)", e.getMessage());
        // a 3-D weight
        e = assertThrows(IllegalArgumentException.class, () -> CnnIO.infer(Map.of("0.weight", new long[] {4, 1, 3}), 1, 28, 28));
        assertEquals("module 0 has tensors weight [4, 1, 3]: a 3-D weight is none of Conv2d (4-D), Linear (2-D), BatchNorm2d (1-D)", e.getMessage());
        // a batch norm without running statistics
        Map<String, long[]> bn = new LinkedHashMap<>();
        bn.put("0.weight", new long[] {4, 1, 3, 3});
        bn.put("1.weight", new long[] {4});
        bn.put("1.bias", new long[] {4});
        e = assertThrows(IllegalArgumentException.class, () -> CnnIO.infer(bn, 1, 28, 28));
        assertTrue(e.getMessage().contains("needs weight, bias, running_mean and running_var"), e.getMessage());
        // no linear at all
        e = assertThrows(IllegalArgumentException.class, () -> CnnIO.infer(Map.of("0.weight", new long[] {4, 1, 3, 3}), 1, 28, 28));
        assertTrue(e.getMessage().contains("has no Linear"), e.getMessage());
    }

    @Test
    void aFileTheConventionDoesNotFitLoadsWithItsArchitectureGiven() throws IOException {
        CnnModel model = CnnTestNets.random(CnnTestNets.plain(3, 4, 5, 6), 2, DataType.FLOAT);
        Path file = dir.resolve("plain.safetensors");
        Safetensors.write(file, model.params(), null);
        IOException e = assertThrows(IOException.class, () -> CnnIO.load(file));
        assertTrue(e.getMessage().startsWith(file + ": has no MAL metadata and "), e.getMessage());
        CnnModel back = CnnIO.load(file, model.architecture());
        INDArray x = CnnTestNets.images(2, 1, DataType.FLOAT);
        assertEquals(0.0, CnnTestNets.maxAbsDiff(model.logits(x), back.logits(x)));
    }

    @Test
    void anMlpFileIsNotReadAsACnn() throws IOException {
        Architecture mlp = Architecture.mlp(784, List.of(8), 10);
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (var p : mlp.params()) params.put(p.name(), Nd4j.zeros(DataType.FLOAT, p.shape()));
        Path file = dir.resolve("mlp.safetensors");
        ModelIO.save(file, new Model(mlp, params), null);
        IOException e = assertThrows(IOException.class, () -> CnnIO.load(file));
        assertEquals(file + ": is a MAL MLP file (metadata mal.architecture), not a CNN; read it with ModelIO", e.getMessage());
    }
}
