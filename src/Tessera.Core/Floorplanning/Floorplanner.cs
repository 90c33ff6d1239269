using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Economics;
using Tessera.Hardware;
using Tessera.Technology;

namespace Tessera.Floorplanning;

/// <summary>
/// Places a package on its carrier and checks it. Dies are squares of the area the cost model gives their design (PHYs
/// included), laid out on the package's chiplet grid: each column as wide and each row as tall as its largest die, with
/// the packaging's die spacing between them and an edge keep-out around; a smaller die leans toward the centre. HBM
/// stacks sit beside the chiplet they link to, at the package edge nearest it (left, right, top or bottom). Link length
/// is the edge-to-edge Manhattan gap between the blocks.
/// </summary>
public static class Floorplanner
{
    private const string F = "floorplan";
    private const double PicoJoule = 1e-12;

    /// <summary>The die-to-die link a packaging's dies use: UCIe advanced on an interposer, UCIe standard on a substrate.</summary>
    public static string LinkKind(Packaging packaging) => packaging == Packaging.Interposer25D ? "ucie-advanced" : "ucie-standard";

    /// <summary>
    /// Places and checks a package. <paramref name="advancedReach"/> names the UCIe-advanced reach choice of the
    /// technology library (spec 2 mm, the default; mozart 10 mm) that bounds 2.5D links; 2D links use UCIe standard's.
    /// </summary>
    public static Floorplan Plan(TechnologyLibrary t, Package package, Packaging packaging, string? advancedReach = null)
    {
        var areaOf = CostModel.DesignAreas(t, package, packaging).ToDictionary(d => d.Design.Name, d => d.Area.TotalMm2, StringComparer.Ordinal);
        var spacing = t.Value(packaging == Packaging.Interposer25D ? $"{F}.die_spacing_2_5d" : $"{F}.die_spacing_2d");
        var keepout = t.Value($"{F}.edge_keepout");
        var advanced = t.DieToDie("ucie-advanced", advancedReach); // a misspelt choice fails at 2D as well
        var d2d = packaging == Packaging.Interposer25D ? advanced : t.DieToDie(LinkKind(packaging));
        var reach = d2d.ReachMm ?? throw new TesseraInputException($"die-to-die kind '{d2d.Kind}' has no reach in the technology library");
        var shorelinePerMm = d2d.BandwidthPerMmBytesPerSecond
            ?? throw new TesseraInputException($"die-to-die kind '{d2d.Kind}' has no bandwidth_per_mm in the technology library");

        CheckDistinctPositions(package);
        var columns = package.Chiplets.Select(c => c.X).Distinct().Order().ToList();
        var rows = package.Chiplets.Select(c => c.Y).Distinct().Order().ToList();
        double Side(ChipletInstance c) => Math.Sqrt(areaOf[c.Design.Name]);

        // Stacked memories (HBM) go beside the first chiplet they link to; the rest are board-level.
        var stackSide = Math.Sqrt(t.Value($"{F}.hbm_stack_footprint"));
        var stacks = new List<(MemoryDevice Memory, ChipletInstance Host, Edge Side)>();
        var offPackage = ImmutableArray.CreateBuilder<string>();
        foreach (var memory in package.Memories)
        {
            var host = package.Links.Select(l => l.From == memory.Id ? l.To : l.To == memory.Id ? l.From : null)
                .OfType<string>().Select(id => package.Chiplets.FirstOrDefault(c => c.Id == id)).OfType<ChipletInstance>().FirstOrDefault();
            if (IsStacked(memory) && host is not null)
                stacks.Add((memory, host, StackEdge(host, columns, rows, stacks.Count(s => s.Host == host))));
            else
                offPackage.Add(memory.Id);
        }

        int Count(Edge side, Func<ChipletInstance, bool> at) => stacks.Count(s => s.Side == side && at(s.Host));
        var columnWidths = columns.Select(x => Math.Max(package.Chiplets.Where(c => c.X == x).Max(Side),
            Math.Max(Run(Count(Edge.Top, h => h.X == x), stackSide, spacing), Run(Count(Edge.Bottom, h => h.X == x), stackSide, spacing)))).ToList();
        var rowHeights = rows.Select(y => Math.Max(package.Chiplets.Where(c => c.Y == y).Max(Side),
            Math.Max(Run(Count(Edge.Left, h => h.Y == y), stackSide, spacing), Run(Count(Edge.Right, h => h.Y == y), stackSide, spacing)))).ToList();
        bool Any(Edge side) => stacks.Any(s => s.Side == side);
        if (Any(Edge.Left)) columnWidths.Insert(0, stackSide);
        if (Any(Edge.Right)) columnWidths.Add(stackSide);
        if (Any(Edge.Top)) rowHeights.Insert(0, stackSide);
        if (Any(Edge.Bottom)) rowHeights.Add(stackSide);
        var columnX = Offsets(columnWidths, keepout, spacing);
        var rowY = Offsets(rowHeights, keepout, spacing);
        var width = columnX[^1] + columnWidths[^1] + keepout;
        var height = rowY[^1] + rowHeights[^1] + keepout;

        var blocks = ImmutableArray.CreateBuilder<PlacedBlock>();
        int firstColumn = Any(Edge.Left) ? 1 : 0, firstRow = Any(Edge.Top) ? 1 : 0;
        foreach (var c in package.Chiplets)
        {
            int col = firstColumn + columns.IndexOf(c.X), row = firstRow + rows.IndexOf(c.Y);
            var side = Side(c);
            blocks.Add(new PlacedBlock(c.Id, BlockKind.Die, c.Design.Name,
                columnX[col] + (columnWidths[col] - side) * TowardCentre(col - firstColumn, columns.Count),
                rowY[row] + (rowHeights[row] - side) * TowardCentre(row - firstRow, rows.Count), side, side));
        }
        // Each host's stacks are centred on its cell along the edge they sit at, one beside the other.
        foreach (var group in stacks.GroupBy(s => (s.Host.Id, s.Side)))
        {
            var host = group.First().Host;
            int col = firstColumn + columns.IndexOf(host.X), row = firstRow + rows.IndexOf(host.Y);
            bool vertical = group.Key.Side is Edge.Left or Edge.Right;
            if (vertical) col = group.Key.Side == Edge.Left ? 0 : columnWidths.Count - 1;
            else row = group.Key.Side == Edge.Top ? 0 : rowHeights.Count - 1;
            var run = Run(group.Count(), stackSide, spacing);
            var start = vertical ? rowY[row] + (rowHeights[row] - run) / 2 : columnX[col] + (columnWidths[col] - run) / 2;
            foreach (var (s, i) in group.Select((s, i) => (s, i)))
            {
                var along = start + i * (stackSide + spacing);
                blocks.Add(new PlacedBlock(s.Memory.Id, BlockKind.MemoryStack, s.Memory.Type,
                    vertical ? columnX[col] : along, vertical ? along : rowY[row], stackSide, stackSide));
            }
        }

        var placed = blocks.ToDictionary(b => b.Id, StringComparer.Ordinal);
        var links = package.Links.Where(l => placed.ContainsKey(l.From) && placed.ContainsKey(l.To))
            .Select(l => new LinkSpan(l.From, l.To, Gap(placed[l.From], placed[l.To]), reach, l.BandwidthBytesPerSecond)).ToImmutableArray();
        var shorelines = Shorelines(package, placed, shorelinePerMm);
        var power = package.Chiplets.Select(c => new DiePower(c.Id, PeakWatts(c.Design), placed[c.Id].AreaMm2)).ToImmutableArray();
        var violations = Check(t, packaging, areaOf, width, height, links, shorelines);
        return new Floorplan(package.Name, packaging, width, height, blocks.ToImmutable(), offPackage.ToImmutable(),
            links, shorelines, power, violations, PowerDensityWarnings(t, power));
    }

    /// <summary>
    /// Where a die smaller than its cell sits, as a share of the slack: the first column (row) leans right (down), the
    /// last left (up), those between in proportion — dies lean toward the package centre, so in a grid two or three
    /// cells wide neighbours of different sizes still sit one die spacing apart.
    /// </summary>
    private static double TowardCentre(int index, int count) => count <= 1 ? 0.5 : 1 - (double)index / (count - 1);

    /// <summary>HBM-class memories are stacks placed on the carrier beside the dies.</summary>
    public static bool IsStacked(MemoryDevice memory) => memory.Type.StartsWith("HBM", StringComparison.OrdinalIgnoreCase);

    private static void CheckDistinctPositions(Package package)
    {
        var clash = package.Chiplets.GroupBy(c => (c.X, c.Y)).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new TesseraInputException($"{package.Name}: chiplets {string.Join(" and ", clash.Select(c => c.Id))} share grid position " +
                $"({clash.Key.X}, {clash.Key.Y}); a floorplan needs a distinct x, y per chiplet");
    }

    /// <summary>The package edge a memory stack sits at.</summary>
    private enum Edge { Left, Right, Top, Bottom }

    /// <summary>
    /// A host in the first or last column takes that side (a host in the only column alternates them), else one in the
    /// first or last row takes the top or bottom (alternating in the only row); an interior host takes the nearer side
    /// and its link is then measured across the dies between.
    /// </summary>
    private static Edge StackEdge(ChipletInstance host, List<int> columns, List<int> rows, int earlier)
    {
        int col = columns.IndexOf(host.X), row = rows.IndexOf(host.Y);
        if (columns.Count == 1) return earlier % 2 == 0 ? Edge.Left : Edge.Right;
        if (col == 0) return Edge.Left;
        if (col == columns.Count - 1) return Edge.Right;
        if (rows.Count == 1) return earlier % 2 == 0 ? Edge.Top : Edge.Bottom;
        if (row == 0) return Edge.Top;
        if (row == rows.Count - 1) return Edge.Bottom;
        return col < columns.Count / 2.0 ? Edge.Left : Edge.Right;
    }

    /// <summary>Length of <paramref name="count"/> stacks in a line with the spacing between them.</summary>
    private static double Run(int count, double side, double spacing) => count == 0 ? 0 : count * side + (count - 1) * spacing;

    private static List<double> Offsets(List<double> sizes, double start, double spacing)
    {
        var offsets = new List<double>(sizes.Count);
        var at = start;
        foreach (var size in sizes)
        {
            offsets.Add(at);
            at += size + spacing;
        }
        return offsets;
    }

    /// <summary>Edge-to-edge Manhattan distance between two rectangles (0 when they touch or overlap on both axes).</summary>
    public static double Gap(PlacedBlock a, PlacedBlock b) =>
        Math.Max(0, Math.Abs(a.CenterXMm - b.CenterXMm) - (a.WidthMm + b.WidthMm) / 2)
        + Math.Max(0, Math.Abs(a.CenterYMm - b.CenterYMm) - (a.HeightMm + b.HeightMm) / 2);

    /// <summary>The side of <paramref name="from"/> that faces <paramref name="to"/>, by the larger centre offset.</summary>
    public static string Facing(PlacedBlock from, PlacedBlock to)
    {
        double dx = to.CenterXMm - from.CenterXMm, dy = to.CenterYMm - from.CenterYMm;
        return Math.Abs(dx) >= Math.Abs(dy) ? dx >= 0 ? "east" : "west" : dy >= 0 ? "south" : "north";
    }

    /// <summary>Die-to-die bandwidth per die side; memory PHYs are not UCIe and are left out.</summary>
    private static ImmutableArray<ShorelineUse> Shorelines(Package package, Dictionary<string, PlacedBlock> placed, double perMm)
    {
        var demand = new SortedDictionary<(string Die, string Side), double>();
        foreach (var link in package.Links)
        {
            if (!placed.TryGetValue(link.From, out var a) || !placed.TryGetValue(link.To, out var b)) continue;
            if (a.Kind != BlockKind.Die || b.Kind != BlockKind.Die) continue;
            foreach (var (die, other) in new[] { (a, b), (b, a) })
            {
                var key = (die.Id, Facing(die, other));
                demand[key] = demand.GetValueOrDefault(key) + link.BandwidthBytesPerSecond;
            }
        }
        return [.. demand.Select(d =>
        {
            var block = placed[d.Key.Die];
            var edge = d.Key.Side is "east" or "west" ? block.HeightMm : block.WidthMm;
            return new ShorelineUse(d.Key.Die, d.Key.Side, edge, d.Value, edge * perMm);
        })];
    }

    /// <summary>
    /// Every MAC, vector lane and on-chip memory port busy each cycle (per-PE buffers counted once per copy), plus static
    /// power: an upper bound of what the die draws, so a die under the density limit here is under it in any schedule.
    /// </summary>
    public static double PeakWatts(Chiplet design) =>
        design.StaticPowerW + design.Cores.Sum(core => core.FrequencyHz * PicoJoule * (
            core.Array.ProcessingElements * core.Array.MacEnergyPj
            + (core.Vector is { } v ? v.Lanes * v.EnergyPerOpPj : 0)
            + core.Memories.Sum(m => CostModel.LevelInstances(core, m) * PortEnergyPerCyclePj(m)))
            + core.Array.StaticPowerW + (core.Vector?.StaticPowerW ?? 0) + core.Memories.Sum(m => m.StaticPowerW));

    private static double PortEnergyPerCyclePj(MemoryLevel m) => m.SharedReadWritePort
        ? m.ReadBitsPerCycle * Math.Max(m.ReadEnergyPerBitPj, m.WriteEnergyPerBitPj)
        : m.ReadBitsPerCycle * m.ReadEnergyPerBitPj + m.WriteBitsPerCycle * m.WriteEnergyPerBitPj;

    private static ImmutableArray<Violation> Check(TechnologyLibrary t, Packaging packaging, Dictionary<string, double> dieAreas, double width, double height,
        ImmutableArray<LinkSpan> links, ImmutableArray<ShorelineUse> shorelines)
    {
        var violations = ImmutableArray.CreateBuilder<Violation>();
        foreach (var (design, area) in dieAreas.Where(d => d.Value > t.ReticleLimitMm2))
            violations.Add(new Violation(ViolationKind.Reticle, design, area, t.ReticleLimitMm2, "mm²",
                $"die {design} is {area:0.#} mm², over the {t.ReticleLimitMm2:0} mm² reticle"));
        if (packaging == Packaging.Interposer25D)
        {
            var limit = t.Value($"{F}.interposer_max_area");
            if (width * height > limit)
                violations.Add(new Violation(ViolationKind.CarrierSize, "interposer", width * height, limit, "mm²",
                    $"interposer {width:0.#} × {height:0.#} mm = {width * height:0} mm², over the {limit:0} mm² limit"));
        }
        else
        {
            var limit = t.Value($"{F}.organic_substrate_max_side");
            if (Math.Max(width, height) > limit)
                violations.Add(new Violation(ViolationKind.CarrierSize, "substrate", Math.Max(width, height), limit, "mm",
                    $"substrate {width:0.#} × {height:0.#} mm, a side over the {limit:0} mm limit"));
        }
        foreach (var link in links.Where(l => l.LengthMm > l.ReachMm))
            violations.Add(new Violation(ViolationKind.LinkReach, $"{link.From}–{link.To}", link.LengthMm, link.ReachMm, "mm",
                $"link {link.From}–{link.To} spans {link.LengthMm:0.##} mm, beyond the {link.ReachMm:0.##} mm reach"));
        foreach (var s in shorelines.Where(s => s.DemandBytesPerSecond > s.CapacityBytesPerSecond))
            violations.Add(new Violation(ViolationKind.Shoreline, $"{s.Die} {s.Side}", s.DemandBytesPerSecond / 1e9, s.CapacityBytesPerSecond / 1e9, "GB/s",
                $"die {s.Die} needs {s.DemandBytesPerSecond / 1e9:0.#} GB/s on its {s.Side} edge; {s.EdgeMm:0.##} mm of shoreline carries {s.CapacityBytesPerSecond / 1e9:0.#} GB/s"));
        return violations.ToImmutable();
    }

    private static ImmutableArray<Violation> PowerDensityWarnings(TechnologyLibrary t, ImmutableArray<DiePower> power)
    {
        var density = t.Value($"{F}.power_density_limit");
        return [.. power.Where(p => p.WattsPerMm2 > density).Select(p => new Violation(ViolationKind.PowerDensity, p.Die,
            p.WattsPerMm2, density, "W/mm²",
            $"die {p.Die} peaks at {p.PeakWatts:0.#} W on {p.AreaMm2:0.#} mm² = {p.WattsPerMm2:0.###} W/mm², over {density:0.##} W/mm² if every MAC and port is busy"))];
    }
}
