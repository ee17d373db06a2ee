package io.visionflow.flow;

/** The action run when a selector picks {@code label}. */
public record Branch(String label, Action action) {
}
