package org.mal.core.zoo;

import java.util.ArrayList;
import java.util.List;
import org.mal.core.cnn.CnnArchitecture;
import org.mal.core.cnn.CnnLayer;

/**
 * The CNNs of a zoo from a shape family's width list, read as conv channels (one width per conv
 * layer, so the families and depths of {@code zoo.families}/{@code zoo.depths} give CNN shape
 * families as they give MLP ones). Every conv is 3×3, stride 1, padding 1, without bias, followed by
 * a batch norm and a ReLU; the head is global average pooling, flatten and one linear layer to the
 * classes. Two 2×2 max poolings bring 28×28 maps to 14×14 and 7×7: after the first conv layer and
 * after the middle one ({@code ⌈d/2⌉}, from 1; for {@code d ≤ 2} that is the first: one pooling, 14×14 maps).
 * <ul>
 *   <li>{@link ZooSpec.Network#CNN}: a plain stack, {@code d} conv layers;</li>
 *   <li>{@link ZooSpec.Network#RESNET}: a stem conv (width 1) and then one residual block per further
 *       width (torchvision's {@code BasicBlock}, stride 1, a 1×1 projection shortcut where the
 *       channels change); a block counts as one layer of the width list (it has two convs).</li>
 * </ul>
 */
public final class CnnZooArchitectures {
    private CnnZooArchitectures() {}

    /** The network for {@code widths} over {@code channels×height×width} images and {@code classes} classes. */
    public static CnnArchitecture of(ZooSpec.Network network, List<Integer> widths, int channels, int height, int width, int classes) {
        if (!network.convolutional()) throw new IllegalArgumentException(network.label() + " is not a convolutional network");
        if (widths.isEmpty()) throw new IllegalArgumentException("a CNN needs at least one conv width");
        int depth = widths.size();
        int middle = (depth + 1) / 2;    // from 1
        List<CnnLayer> layers = new ArrayList<>();
        int in = channels;
        for (int k = 1; k <= depth; k++) {
            int out = widths.get(k - 1);
            if (network == ZooSpec.Network.CNN || k == 1) {
                layers.add(new CnnLayer.Conv2d(in, out, 3, 1, 1, false));
                layers.add(new CnnLayer.BatchNorm2d(out, CnnLayer.BatchNorm2d.DEFAULT_EPS));
                layers.add(new CnnLayer.Relu());
            } else {
                layers.add(new CnnLayer.ResidualBlock(in, out, 1));
            }
            if (k == 1 || (k == middle && depth > 1)) layers.add(new CnnLayer.MaxPool2d(2, 2));
            in = out;
        }
        layers.add(new CnnLayer.GlobalAvgPool());
        layers.add(new CnnLayer.Flatten());
        layers.add(new CnnLayer.Linear(in, classes, true));
        return new CnnArchitecture(channels, height, width, layers);
    }
}
