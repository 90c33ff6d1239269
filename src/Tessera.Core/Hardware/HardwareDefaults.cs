using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Technology;
using Tessera.Workloads;

namespace Tessera.Hardware;

/// <summary>Builds hardware records whose unspecified numbers come from the technology library.</summary>
public static class HardwareDefaults
{
    /// <summary>A memory level; energies default to the library's SRAM/register-file energy for its size and node.</summary>
    public static MemoryLevel Memory(
        TechnologyLibrary technology, string node, string name, long capacityBytes, double readBitsPerCycle,
        double writeBitsPerCycle, IEnumerable<OperandRole> holds, IEnumerable<string> servedAxes,
        double? readEnergyPerBitPj = null, double? writeEnergyPerBitPj = null)
    {
        if (capacityBytes <= 0)
            throw new TesseraInputException($"memory level '{name}' has size {capacityBytes} B; expected a positive size");
        if (readBitsPerCycle <= 0 || writeBitsPerCycle <= 0)
            throw new TesseraInputException($"memory level '{name}' has bandwidth {readBitsPerCycle}/{writeBitsPerCycle} bits/cycle; expected positive bandwidths");
        return new MemoryLevel(
            name, capacityBytes * 8, readBitsPerCycle, writeBitsPerCycle,
            readEnergyPerBitPj ?? technology.SramEnergyPerBitPj(capacityBytes, node),
            writeEnergyPerBitPj ?? technology.SramWriteEnergyPerBitPj(capacityBytes, node),
            [.. holds], [.. servedAxes], technology.SramAreaMm2(capacityBytes, node));
    }

    /// <summary>A PE array of the given precision; MAC energy defaults to the library's value at the node.</summary>
    public static PeArray Array(TechnologyLibrary technology, string node, IEnumerable<ArrayAxis> axes, string precision,
        double? macEnergyPj = null)
    {
        ImmutableArray<ArrayAxis> list = [.. axes];
        foreach (var axis in list)
            if (axis.Size <= 0)
                throw new TesseraInputException($"array axis {axis.Name} has size {axis.Size}; expected a positive size");
        var pes = list.Aggregate(1L, (p, a) => p * a.Size);
        return new PeArray(list, macEnergyPj ?? technology.MacEnergyPj(precision, node), TechnologyLibrary.BitsOf(precision),
            pes * technology.MacAreaUm2(precision, node) / 1e6);
    }

    /// <summary>Checks that every operand has a home in the hierarchy.</summary>
    public static void CheckOperandsHeld(Core core, string where)
    {
        foreach (var role in Enum.GetValues<OperandRole>())
            if (!core.Memories.Any(m => m.Holds.Contains(role)))
                throw TesseraInputException.At(where, $"core '{core.Name}': no memory level holds the {role.ToString().ToLowerInvariant()} operand; expected at least one level holding input, weight and output");
    }

    /// <summary>A memory device of a library DRAM type.</summary>
    public static MemoryDevice Device(TechnologyLibrary technology, string id, string type)
    {
        var spec = technology.Dram(type);
        return new MemoryDevice(id, spec.Type, spec.BandwidthBytesPerSecond, spec.EnergyPerBitPj, spec.LatencySeconds, spec.CapacityBytes);
    }

    /// <summary>
    /// The link joining a memory device to its chiplet: the device's bandwidth, no energy and no latency of its own
    /// (the device already charges its pJ/bit and access latency; charging the PHY again would count it twice).
    /// </summary>
    public static Link MemoryLink(MemoryDevice device, string chiplet) =>
        new(device.Id, chiplet, device.BandwidthBytesPerSecond, 0, 0);
}
