package dev.rotator.provider;

/**
 * A node group as the cloud sees it.
 *
 * @param id the group's identifier (ASG name, node pool name)
 * @param desired desired capacity now
 * @param min minimum size
 * @param max maximum size
 * @param targetVersion the template/version new instances get (launch template version, node pool
 *     version); informational
 */
public record NodeGroup(String id, int desired, int min, int max, String targetVersion) {}
