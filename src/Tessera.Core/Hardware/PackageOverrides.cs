using System.Collections.Immutable;
using System.Globalization;
using Tessera.Diagnostics;
using Tessera.Technology;

namespace Tessera.Hardware;

/// <summary>
/// Changes to a loaded package that a design-space sweep varies: every core's PE array (<see cref="Array"/>: its axis
/// sizes), every core's outermost on-chip buffer (<see cref="BufferBytes"/>), the chiplet-to-chiplet links' bandwidth,
/// the off-chip memory type and the memory devices' bandwidth. Unset fields leave the package as it is. What follows
/// from a change is derived from the technology library, never kept from the old value: a bigger buffer costs the
/// library's energy per bit at its size, a new memory type brings its bandwidth, energy, latency and capacity.
/// </summary>
public sealed record PackageOverrides
{
    public static PackageOverrides None { get; } = new();

    /// <summary>Each core's PE array axis sizes (D1, D2 …); the dataflow's unrolling follows (its last factor per axis).</summary>
    public ImmutableArray<int> Array { get; init; } = [];

    /// <summary>Capacity of each core's outermost on-chip memory level (its L2 or global buffer), in bytes.</summary>
    public long? BufferBytes { get; init; }

    /// <summary>Bandwidth of every link between two chiplets, in bytes/s.</summary>
    public double? LinkBandwidthBytesPerSecond { get; init; }

    /// <summary>A DRAM type of the technology library replacing every memory device's (same number of interfaces per device).</summary>
    public string? MemoryType { get; init; }

    /// <summary>Bandwidth of every memory device (and the link to its chiplet), in bytes/s; applied after <see cref="MemoryType"/>.</summary>
    public double? DramBandwidthBytesPerSecond { get; init; }

    /// <summary>Where the overrides were given ("sweep.yaml:7:3"), for the errors a package refuses them with.</summary>
    public string? Origin { get; init; }

    public bool IsEmpty => Array.IsEmpty && BufferBytes is null && LinkBandwidthBytesPerSecond is null && MemoryType is null && DramBandwidthBytesPerSecond is null;

    /// <summary>The set fields as "key: value" lines in a fixed order (a point's identity, the sweep's table).</summary>
    public IEnumerable<(string Key, string Value)> Describe()
    {
        static string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        if (!Array.IsEmpty) yield return ("array", string.Join('x', Array));
        if (BufferBytes is { } b) yield return ("buffer", N(b));
        if (LinkBandwidthBytesPerSecond is { } l) yield return ("link_bandwidth", N(l));
        if (MemoryType is { } m) yield return ("memory", m);
        if (DramBandwidthBytesPerSecond is { } d) yield return ("dram_bandwidth", N(d));
    }

    /// <summary>The package with these changes; one it cannot take (a fixed-function core's array, an unknown memory type) is refused.</summary>
    public Package Apply(Package package, TechnologyLibrary technology)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(technology);
        if (IsEmpty) return package;
        var chiplets = package.Chiplets.Select(c => c with
        {
            Design = c.Design with { Cores = [.. c.Design.Cores.Select(core => Core(core, c.Design.TechnologyNode, technology))] },
        });
        var memories = package.Memories.Select(d => Device(d, technology)).ToList();
        var devices = memories.ToDictionary(d => d.Id, StringComparer.Ordinal);
        bool memoryChanged = MemoryType is not null || DramBandwidthBytesPerSecond is not null;
        // A memory device's link carries the device's bandwidth; links between chiplets take the link override.
        var links = package.Links.Select(l =>
            (devices.TryGetValue(l.From, out var device) || devices.TryGetValue(l.To, out device))
                ? memoryChanged ? l with { BandwidthBytesPerSecond = device.BandwidthBytesPerSecond } : l
                : LinkBandwidthBytesPerSecond is { } bandwidth ? l with { BandwidthBytesPerSecond = bandwidth } : l);
        return new Package(package.Name, chiplets, memories, links, Origin ?? package.Name) { SharedMemoryGroups = package.SharedMemoryGroups };
    }

    private Core Core(Core core, string node, TechnologyLibrary t)
    {
        if (!Array.IsEmpty) core = Resized(core);
        if (BufferBytes is { } bytes)
        {
            // The library's size scaling applied to the level's own energies and area, so a calibrated level keeps its calibration.
            var level = core.Memories[^1];
            long before = Math.Max(1, level.CapacityBits / 8);
            double Ratio(Func<long, string, double> of) => of(bytes, node) / of(before, node);
            var resized = level with
            {
                CapacityBits = bytes * 8,
                ReadEnergyPerBitPj = level.ReadEnergyPerBitPj * Ratio(t.SramEnergyPerBitPj),
                WriteEnergyPerBitPj = level.WriteEnergyPerBitPj * Ratio(t.SramWriteEnergyPerBitPj),
                AreaMm2 = level.AreaMm2 * Ratio(t.SramAreaMm2),
                StaticPowerW = level.StaticPowerW * Ratio(t.SramAreaMm2),
            };
            core = core with { Memories = core.Memories.SetItem(core.Memories.Length - 1, resized) };
        }
        return core;
    }

    /// <summary>
    /// The core with the new axis sizes. Each axis's last unrolled factor takes what the new size leaves after the others
    /// (a Simba axis K 16 → K n; an Eyeriss axis FY 3 × C 4 → FY 3 × C n/3), so the dataflow stays the same kind.
    /// </summary>
    private Core Resized(Core core)
    {
        if (core.Fixed is not null || core.Array.Imc is not null)
            throw TesseraInputException.At(Origin, $"array {string.Join('x', Array)}: core '{core.Name}' is {(core.Fixed is not null ? "fixed-function (its MAESTRO dataflow fixes the array)" : "an in-memory-compute macro")}; " +
                "expected programmable cores (a preset without -fixed, or a hardware file)");
        if (Array.Length != core.Array.Axes.Length)
            throw TesseraInputException.At(Origin, $"array {string.Join('x', Array)} has {Array.Length} axes and core '{core.Name}' {core.Array.Axes.Length} " +
                $"({string.Join('x', core.Array.Axes.Select(a => a.Size))}); expected {core.Array.Axes.Length} sizes");
        var axes = core.Array.Axes.Select((a, i) => a with { Size = Array[i] }).ToImmutableArray();
        ImmutableArray<(string, int)> Factors(ImmutableArray<(string Dimension, int Factor)> factors, ArrayAxis axis)
        {
            if (factors.IsDefaultOrEmpty) return factors;
            int others = factors[..^1].Aggregate(1, (p, f) => p * f.Factor);
            if (axis.Size % others != 0)
                throw TesseraInputException.At(Origin, $"array axis {axis.Name} of core '{core.Name}' is {axis.Size}, which its unrolling " +
                    $"({string.Join(" × ", factors.Select(f => $"{f.Dimension} {f.Factor}"))}) cannot take; expected a multiple of {others}");
            return factors.SetItem(factors.Length - 1, (factors[^1].Dimension, axis.Size / others));
        }
        AxisUnrolling Unrolled(AxisUnrolling u)
        {
            var axis = axes.First(a => a.Name == u.Axis);
            if (u.Factors.IsDefaultOrEmpty && axis.Size > 1)
                throw TesseraInputException.At(Origin, $"array axis {axis.Name} of core '{core.Name}' unrolls no loop, so growing it adds idle PEs; expected size 1 there");
            return u with { Factors = Factors(u.Factors, axis), Alternates = Factors(u.Alternates, axis) };
        }
        var unrolling = core.Dataflow with { Axes = [.. core.Dataflow.Axes.Select(Unrolled)] };
        double scale = axes.Aggregate(1.0, (p, a) => p * a.Size) / core.Array.ProcessingElements;
        var array = core.Array with { Axes = axes, AreaMm2 = core.Array.AreaMm2 * scale, StaticPowerW = core.Array.StaticPowerW * scale };
        return core with { Array = array, Dataflow = unrolling };
    }

    private MemoryDevice Device(MemoryDevice device, TechnologyLibrary t)
    {
        if (MemoryType is { } type)
        {
            var spec = t.Dram(type);
            // A device standing for k interfaces of its type (a monolithic die's aggregate) keeps k of the new type.
            double interfaces = t.DramTypes.Contains(device.Type, StringComparer.OrdinalIgnoreCase)
                ? device.BandwidthBytesPerSecond / t.Dram(device.Type).BandwidthBytesPerSecond : 1;
            device = device with
            {
                Type = spec.Type,
                BandwidthBytesPerSecond = spec.BandwidthBytesPerSecond * interfaces,
                EnergyPerBitPj = spec.EnergyPerBitPj,
                LatencySeconds = spec.LatencySeconds,
                CapacityBytes = (long)(spec.CapacityBytes * interfaces),
            };
        }
        return DramBandwidthBytesPerSecond is { } bandwidth ? device with { BandwidthBytesPerSecond = bandwidth } : device;
    }
}
