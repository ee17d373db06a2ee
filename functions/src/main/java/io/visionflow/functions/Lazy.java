package io.visionflow.functions;

import java.util.function.Supplier;

/** A value made on first use and kept: what a handler builds once per Lambda instance. */
final class Lazy<T> implements Supplier<T> {
    private final Supplier<T> make;
    private volatile T value;

    private Lazy(Supplier<T> make) {
        this.make = make;
    }

    static <T> Supplier<T> of(Supplier<T> make) {
        return make instanceof Lazy<T> lazy ? lazy : new Lazy<>(make);
    }

    @Override
    public T get() {
        T v = value;
        if (v == null) {
            synchronized (this) {
                v = value;
                if (v == null) {
                    value = v = make.get();
                }
            }
        }
        return v;
    }
}
