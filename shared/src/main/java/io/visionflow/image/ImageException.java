package io.visionflow.image;

/**
 * Why an image could not be read, with the HTTP status the API answers for it: 400 for corrupt,
 * unsupported or otherwise bad input, 413 when a limit is exceeded. The message is meant for the
 * API user (it becomes the record's {@code _status.text}), so it names the limit that was hit.
 */
public class ImageException extends Exception {
    public static final int BAD_REQUEST = 400;
    public static final int TOO_LARGE = 413;

    private final int status;

    public ImageException(int status, String message) {
        this(status, message, null);
    }

    public ImageException(int status, String message, Throwable cause) {
        super(message, cause);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("not an error status: " + status);
        }
        this.status = status;
    }

    public static ImageException badRequest(String message) {
        return new ImageException(BAD_REQUEST, message);
    }

    public static ImageException badRequest(String message, Throwable cause) {
        return new ImageException(BAD_REQUEST, message, cause);
    }

    public static ImageException tooLarge(String message) {
        return new ImageException(TOO_LARGE, message);
    }

    /** The HTTP status for this problem (400 or 413). */
    public int status() {
        return status;
    }
}
