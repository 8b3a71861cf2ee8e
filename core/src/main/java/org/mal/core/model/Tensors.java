package org.mal.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Small tensor helpers shared by models, alignment and merging. */
public final class Tensors {
    private Tensors() {}

    /**
     * {@code out[..., k, ...] = t[..., index[k], ...]} along {@code axis}: numpy's
     * {@code np.take(t, index, axis)}. Returns a new C-ordered array; {@code t} is not modified.
     */
    public static INDArray take(INDArray t, int axis, int[] index) {
        int rank = t.rank();
        if (axis < 0 || axis >= rank) throw new IllegalArgumentException("axis " + axis + " of a rank-" + rank + " tensor");
        if (rank == 1) {
            return t.reshape(t.length(), 1).getRows(index).reshape(index.length);
        }
        if (rank == 2) {
            return axis == 0 ? t.getRows(index) : t.getColumns(index);
        }
        // Move the axis to the front, gather rows of the flattened view, move it back.
        int[] order = new int[rank];
        order[0] = axis;
        for (int a = 0, j = 1; a < rank; a++) if (a != axis) order[j++] = a;
        INDArray front = t.permute(order).dup('c');
        long[] frontShape = front.shape();
        INDArray gathered = front.reshape(frontShape[0], front.length() / frontShape[0]).getRows(index);
        frontShape[0] = index.length;
        int[] back = new int[rank];
        for (int a = 0; a < rank; a++) back[order[a]] = a;
        return gathered.reshape(frontShape).permute(back).dup('c');
    }
}
