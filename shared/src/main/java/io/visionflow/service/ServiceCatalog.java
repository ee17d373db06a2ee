package io.visionflow.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Problem;
import io.visionflow.flow.ServiceRules;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The image services a deployment offers, by name; the flow validator checks their params through it. */
public final class ServiceCatalog implements ServiceRules {
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

    @Override
    public Set<String> names() {
        return services.keySet();
    }

    @Override
    public List<Problem> check(String service, ObjectNode params) {
        return find(service).map(s -> s.validate(params)).orElse(List.of());
    }
}
