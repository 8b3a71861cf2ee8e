package org.mal.core.model;

/** The nonlinearity after a layer. The output layer's softmax is folded into the loss. */
public enum Activation {
    RELU,
    SOFTMAX,
    IDENTITY
}
