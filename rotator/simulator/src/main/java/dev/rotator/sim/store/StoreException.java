package dev.rotator.sim.store;

/** A store operation that cannot be done; the API layer maps the reason to an HTTP status. */
public final class StoreException extends RuntimeException {

  public enum Reason {
    NOT_FOUND(404, "NotFound"),
    ALREADY_EXISTS(409, "AlreadyExists"),
    CONFLICT(409, "Conflict"),
    INVALID(422, "Invalid");

    public final int code;
    public final String status;

    Reason(int code, String status) {
      this.code = code;
      this.status = status;
    }
  }

  private final Reason reason;
  private final ResourceType resource;
  private final String name;

  public StoreException(Reason reason, ResourceType resource, String name, String message) {
    super(message);
    this.reason = reason;
    this.resource = resource;
    this.name = name;
  }

  public Reason reason() {
    return reason;
  }

  public ResourceType resource() {
    return resource;
  }

  public String name() {
    return name;
  }

  static StoreException notFound(ResourceType t, String name) {
    return new StoreException(Reason.NOT_FOUND, t, name, t.qualifiedName() + " \"" + name + "\" not found");
  }

  static StoreException conflict(ResourceType t, String name) {
    return new StoreException(
        Reason.CONFLICT,
        t,
        name,
        "Operation cannot be fulfilled on " + t.qualifiedName() + " \"" + name
            + "\": the object has been modified; please apply your changes to the latest version and try again");
  }
}
