package io.visionflow.service;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The image services a deployment offers, by name. */
public final class ServiceCatalog {
    private final Map<String, ImageService> services;

    public ServiceCatalog(List<ImageService> services) {
        this.services = services.stream().collect(Collectors.toUnmodifiableMap(ImageService::name, Function.identity()));
    }

    public static ServiceCatalog empty() {
        return new ServiceCatalog(List.of());
    }

    public Optional<ImageService> find(String name) {
        return Optional.ofNullable(services.get(name));
    }

    public Set<String> names() {
        return services.keySet();
    }
}
