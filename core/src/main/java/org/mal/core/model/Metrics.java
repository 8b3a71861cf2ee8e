package org.mal.core.model;

/** Mean cross-entropy loss and accuracy of a model on {@code samples} labelled samples. */
public record Metrics(double loss, double accuracy, int samples) {}
