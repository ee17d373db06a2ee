package io.visionflow.api;

import io.visionflow.image.BlobImageStore;
import io.visionflow.service.ImageOutput;
import io.visionflow.store.BlobStore;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code GET /v2/image/{id}}: the images services stored for a request that set
 * {@code store_images}, as PNG. The id is the image's sha256; an image is read only under the
 * caller's account, so another account's id is a 404 like a missing one.
 */
final class ImagesEndpoints {
    static final String PATH = "/v2/image/";
    private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.\\-]+(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?");
    /** Stored outputs are only written; nothing of them is worth keeping decoded. */
    private static final BlobImageStore.Cache NO_CACHE = new BlobImageStore.Cache(0);

    private final Api api;

    ImagesEndpoints(Api api) {
        this.api = api;
    }

    void register(Routes routes) {
        routes.add("GET", PATH + "{id}", this::get);
    }

    private ApiResponse get(Call call) {
        String id = call.param("id");
        byte[] png = ID.matcher(id).matches()
                ? api.stores().blobs().get(BlobStore.key(call.account(), BlobImageStore.KIND, id)).orElse(null)
                : null;
        if (png == null) {
            throw ApiException.notFound("image \"" + id + "\"");
        }
        // content-addressed: the bytes under an id never change
        return new ApiResponse(200, Map.of("Content-Type", "image/png", "X-Request-Id", call.requestId(),
                "Cache-Control", "private, max-age=31536000, immutable"), png);
    }

    /**
     * Where a request with {@code store_images} puts the images services return: PNG blobs of the
     * account, answered as absolute URLs of this route when the request names its host
     * ({@code X-Forwarded-Proto} gives the scheme behind a proxy such as API Gateway), else as paths.
     */
    static ImageOutput output(BlobStore blobs, Call call) {
        String host = call.request().header("host").map(String::trim).filter(h -> HOST.matcher(h).matches()).orElse(null);
        String prefix = PATH;
        if (host != null) {
            String scheme = call.request().header("x-forwarded-proto").map(p -> p.split(",")[0].trim())
                    .filter(p -> p.equals("http") || p.equals("https")).orElse("http");
            prefix = scheme + "://" + host + PATH;
        }
        return ImageOutput.stored(new BlobImageStore(blobs, call.account(), NO_CACHE), prefix);
    }
}
