package dev.rotator.provider;

/**
 * Whether the account can launch some more instances of a kind, in the quota's own unit.
 *
 * @param unit what the quota counts ({@code instances}, {@code vCPUs}, {@code CPUS})
 * @param needed how many units the instances asked about need
 * @param available how many units are free now (limit minus usage); {@link Long#MAX_VALUE} when the
 *     provider knows no limit
 * @param detail the quota's name and the numbers behind {@code available}, for messages
 */
public record QuotaHeadroom(String unit, long needed, long available, String detail) {

  public boolean sufficient() {
    return available >= needed;
  }

  @Override
  public String toString() {
    return needed + " " + unit + " needed, " + (available == Long.MAX_VALUE ? "no limit known" : available + " available")
        + (detail.isEmpty() ? "" : " (" + detail + ")");
  }
}
