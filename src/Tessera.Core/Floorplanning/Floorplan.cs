using System.Collections.Immutable;
using Tessera.Economics;

namespace Tessera.Floorplanning;

/// <summary>What a placed rectangle is.</summary>
public enum BlockKind { Die, MemoryStack }

/// <summary>A rectangle on the interposer or substrate (mm, origin top-left, y down).</summary>
public sealed record PlacedBlock(string Id, BlockKind Kind, string Design, double XMm, double YMm, double WidthMm, double HeightMm)
{
    public double AreaMm2 => WidthMm * HeightMm;
    public double CenterXMm => XMm + WidthMm / 2;
    public double CenterYMm => YMm + HeightMm / 2;
}

/// <summary>A link between two placed blocks: its edge-to-edge length against the reach of the package's die-to-die PHY.</summary>
public sealed record LinkSpan(string From, string To, double LengthMm, double ReachMm, double BandwidthBytesPerSecond);

/// <summary>Die-to-die bandwidth leaving one side of a die against what that side's shoreline can carry.</summary>
public sealed record ShorelineUse(string Die, string Side, double EdgeMm, double DemandBytesPerSecond, double CapacityBytesPerSecond);

/// <summary>Peak power of a die (every MAC, vector lane and memory port busy, plus static power) over its area.</summary>
public sealed record DiePower(string Die, double PeakWatts, double AreaMm2)
{
    public double WattsPerMm2 => PeakWatts / AreaMm2;
}

/// <summary>Which physical rule a floorplan breaks.</summary>
public enum ViolationKind { Reticle, CarrierSize, LinkReach, Shoreline, PowerDensity }

/// <summary>One broken rule: what, where, the value and its limit.</summary>
public sealed record Violation(ViolationKind Kind, string Subject, double Value, double Limit, string Unit, string Message);

/// <summary>
/// The placement of a package's dies and memory stacks on its carrier (silicon interposer at 2.5D, organic substrate at 2D),
/// with the physical checks. <see cref="Violations"/> make a package unbuildable: reticle, carrier size, link reach,
/// shoreline bandwidth. <see cref="Warnings"/> flag a peak power density over the limit: peak power is an upper bound
/// (every MAC and port busy every cycle), so it asks for the workload's sustained power to be checked, not a verdict.
/// Memories that are not stacked beside the dies (DDR, LPDDR, GDDR) sit on the board and are listed apart.
/// </summary>
public sealed record Floorplan(
    string Package, Packaging Packaging, double WidthMm, double HeightMm, ImmutableArray<PlacedBlock> Blocks,
    ImmutableArray<string> OffPackageMemories, ImmutableArray<LinkSpan> Links, ImmutableArray<ShorelineUse> Shorelines,
    ImmutableArray<DiePower> Power, ImmutableArray<Violation> Violations, ImmutableArray<Violation> Warnings)
{
    public double AreaMm2 => WidthMm * HeightMm;
    public bool Legal => Violations.IsEmpty;
}
