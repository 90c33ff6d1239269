using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Scheduling;

/// <summary>
/// One on-chip memory instance that tasks leave data in. <see cref="Owner"/> is the core ("chiplet/core") or, for a
/// memory-sharing group, the group ("a+b"); <see cref="Roles"/> is the bit set of operands whose outermost level it
/// is, which names the same instance on every member of a group (their outermost memories are checked equal).
/// </summary>
public sealed record OnChipMemory(string Owner, int Roles, MemoryLevel? Level, bool Shared)
{
    /// <summary>Bytes it holds (unbounded for a core without memories).</summary>
    public long CapacityBytes => Level is null ? long.MaxValue : Level.CapacityBits / 8;
}

/// <summary>Which on-chip memory instance data of a role lands in on a core.</summary>
public static class OnChipMemories
{
    /// <summary>
    /// The outermost level holding <paramref name="role"/> (the outermost level when null, or when no level holds it),
    /// owned by the core or by its chiplet's memory-sharing group.
    /// </summary>
    public static OnChipMemory Of(Package package, CoreRef core, Core hardware, OperandRole? role)
    {
        var group = package.SharedMemoryGroupOf(core.Chiplet);
        string owner = group.IsEmpty ? core.ToString() : string.Join("+", group);
        if (hardware.Memories.IsEmpty) return new OnChipMemory(owner, 0, null, !group.IsEmpty);
        int level = role is { } r && hardware.OutermostLevelOf(r) is >= 0 and var found ? found : hardware.Memories.Length - 1;
        int roles = 0;
        foreach (var candidate in Enum.GetValues<OperandRole>())
            if (hardware.OutermostLevelOf(candidate) == level) roles |= 1 << (int)candidate;
        return new OnChipMemory(owner, roles, hardware.Memories[level], !group.IsEmpty);
    }
}
