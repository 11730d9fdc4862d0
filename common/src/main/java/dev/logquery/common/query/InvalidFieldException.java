package dev.logquery.common.query;

/**
 * A JSON document that cannot be read as what it should be: {@link #field()} names the offending field
 * ({@code "limit"}, {@code "after.offset"}, or {@code "body"} when the document as a whole is unreadable)
 * and the message says what is wrong with it, starting with the field's name.
 */
public final class InvalidFieldException extends IllegalArgumentException {

    private final String field;

    public InvalidFieldException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The offending field; nested fields are dotted ({@code after.timestamp}); {@code body} for the whole. */
    public String field() {
        return field;
    }
}
