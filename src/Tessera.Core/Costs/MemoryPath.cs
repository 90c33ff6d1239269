using Tessera.Diagnostics;
using Tessera.Hardware;

namespace Tessera.Costs;

/// <summary>How a chiplet reaches its nearest memory device: bandwidth capped by the links on the way.</summary>
public sealed record MemoryPath(MemoryDevice Device, double BytesPerSecond, double LatencySeconds, double LinkEnergyPerBitPj)
{
    /// <summary>The device as the off-chip level a cost model sees from a core.</summary>
    public MemoryLevel OffChipLevel(Core core) =>
        CostModelExtensions.OffChipLevel(Device, BytesPerSecond, Device.EnergyPerBitPj, core.FrequencyHz);

    /// <summary>A streaming task's time on a core fed by this path: the memory access latency (when it touches memory) plus its cycles.</summary>
    public double StreamingSeconds(OperatorCost cost, Core core) =>
        (cost.OffChipBytes > 0 ? LatencySeconds : 0) + cost.Cycles / core.FrequencyHz;

    /// <summary>The fewest-hop memory device of a chiplet (ties: the first declared).</summary>
    public static MemoryPath Nearest(Package package, string chiplet)
    {
        MemoryDevice? best = null;
        int bestHops = int.MaxValue;
        foreach (var device in package.Memories)
            if (package.Hops(chiplet, device.Id) is { } hops && hops < bestHops)
                (best, bestHops) = (device, hops);
        if (best is null)
            throw TesseraInputException.At(package.Name, $"chiplet '{chiplet}' reaches no off-chip memory; expected a link path to a memory device");
        var route = package.Route(chiplet, best.Id)!.Value;
        double bandwidth = route.Select(l => l.BandwidthBytesPerSecond).Append(best.BandwidthBytesPerSecond).Min();
        return new MemoryPath(best, bandwidth, best.LatencySeconds + route.Sum(l => l.LatencySeconds), route.Sum(l => l.EnergyPerBitPj));
    }

    /// <summary>The nearest memory path of every chiplet, by chiplet id.</summary>
    public static Dictionary<string, MemoryPath> PerChiplet(Package package) =>
        package.Chiplets.ToDictionary(c => c.Id, c => Nearest(package, c.Id), StringComparer.Ordinal);
}
