using System.Collections.Immutable;
using Tessera.Hardware.Maestro;

namespace Tessera.Hardware;

/// <summary>How a pinned loop's factor is chosen: a given number, everything left of the dimension, or by the search.</summary>
public enum PinnedFactor { Exact, All, Searched }

/// <summary>
/// One pinned temporal loop: a loop dimension and its factor. <see cref="PinnedFactor.Exact"/> takes the largest divisor of
/// what is left of the dimension not above <see cref="Factor"/> (factors stay perfect, as Timeloop's constraints require);
/// <see cref="PinnedFactor.All"/> takes all of it; <see cref="PinnedFactor.Searched"/> lets the mapper try every divisor.
/// </summary>
public sealed record PinnedLoop(string Dimension, PinnedFactor Kind, long Factor = 0)
{
    public override string ToString() => Kind switch
    {
        PinnedFactor.All => $"{Dimension}:all",
        PinnedFactor.Searched => $"{Dimension}:search",
        _ => $"{Dimension}:{Factor}",
    };
}

/// <summary>The temporal loops a memory level keeps, outermost first; <see cref="OffChip"/> names the level above the core.</summary>
public sealed record PinnedLevel(string Level, ImmutableArray<PinnedLoop> Loops)
{
    public const string OffChip = "offchip";

    public override string ToString() => $"{Level}[{string.Join(' ', Loops)}]";
}

/// <summary>
/// A fixed temporal mapping for the loop-nest model (Timeloop-style mapping constraints): the loops each listed memory level
/// keeps, innermost level first, each level's loops outermost first. A level not listed keeps no loops; the off-chip level
/// keeps whatever remains, in the order its entry lists (listed dimensions innermost, the rest outside in the nest's
/// order). Only <see cref="PinnedFactor.Searched"/> factors are left to the mapper.
/// </summary>
public sealed record PinnedMapping(ImmutableArray<PinnedLevel> Levels)
{
    /// <summary>The loop dimensions of Tessera's operators (convolutions, matrix products, transposed convolutions).</summary>
    public static IReadOnlyList<string> Dimensions { get; } = ["B", "G", "K", "C", "OY", "OX", "FY", "FX", "D", "IY", "IX"];

    public override string ToString() => string.Join(' ', Levels);
}

/// <summary>
/// A core's fixed dataflow, for fixed-function accelerators: the MAESTRO directives the maestro model costs, and the pinned
/// temporal mapping the loop-nest model is restricted to (either may be absent).
/// </summary>
public sealed record FixedDataflow(string Name, MaestroDataflow? Directives, PinnedMapping? Temporal)
{
    /// <summary>What caches key on: the directives and the pinned loops.</summary>
    public string Key => $"{Name}|{Directives}|{Temporal}";
}

/// <summary>Fixes a core's dataflow.</summary>
public static class FixedDataflows
{
    /// <summary>
    /// The core fixed to MAESTRO <paramref name="directives"/> and/or a pinned temporal mapping. Without a pinned mapping
    /// the directives' translation is pinned (<see cref="MaestroLoopNest.Temporal"/>); without <paramref name="unrolling"/>
    /// the directives' spatial maps unroll the array when they match its axes, else the core keeps its own unrolling.
    /// </summary>
    public static Core Fix(Core core, MaestroDataflow? directives, PinnedMapping? temporal, SpatialUnrolling? unrolling = null)
    {
        ArgumentNullException.ThrowIfNull(core);
        var pinned = temporal ?? (directives is null ? null : MaestroLoopNest.Temporal(directives, [.. core.Memories.Select(m => m.Name)]));
        var spatial = unrolling ?? (directives is null ? null : MaestroLoopNest.Unrolling(directives, core.Array.Axes)) ?? core.Dataflow;
        return core with { Dataflow = spatial, Fixed = new FixedDataflow(directives?.Name ?? "pinned", directives, pinned) };
    }
}
