using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Hardware.Presets;
using Tessera.Hardware.Yaml;
using Tessera.Interop.Stream;
using Tessera.Technology;
using Tessera.Yaml;
using YamlDotNet.RepresentationModel;

namespace Tessera.Interop;

/// <summary>Resolves a hardware argument: a preset name, a Tessera YAML file or a Stream accelerator file.</summary>
public static class HardwareLoader
{
    public static Package Load(string presetOrPath, TechnologyLibrary technology)
    {
        ArgumentNullException.ThrowIfNull(presetOrPath);
        ArgumentNullException.ThrowIfNull(technology);
        if (!IsYamlFile(presetOrPath))
        {
            var key = presetOrPath.Trim().ToLowerInvariant();
            if (HardwarePresets.PackageNames.Contains(key))
                return HardwarePresets.CreatePackage(presetOrPath, technology);
            if (SystemPresets.Names.Contains(key))
                return SystemPresets.Create(key, technology).Flatten();
            var known = HardwarePresets.PackageNames.Concat(SystemPresets.Names).ToList();
            throw new TesseraInputException(
                $"unknown hardware '{presetOrPath}'{Suggestions.DidYouMean(presetOrPath, known)}; expected a .yaml file or one of {string.Join(", ", known)}");
        }
        return IsStreamAccelerator(presetOrPath)
            ? StreamHardwareImporter.Load(presetOrPath, technology) : TesseraHardwareYaml.Load(presetOrPath, technology);
    }

    /// <summary>
    /// The hardware as a system of packages, read once: a system preset or a Tessera file listing <c>children:</c> as
    /// described, a single package as the system of that package (<see cref="SystemNode.Package"/> gives it back).
    /// </summary>
    public static SystemNode LoadSystem(string presetOrPath, TechnologyLibrary technology)
    {
        ArgumentNullException.ThrowIfNull(presetOrPath);
        if (SystemPresets.Names.Contains(presetOrPath.Trim().ToLowerInvariant())) return SystemPresets.Create(presetOrPath, technology);
        return IsYamlFile(presetOrPath) && !IsStreamAccelerator(presetOrPath) ? TesseraHardwareYaml.LoadSystem(presetOrPath, technology) : SystemNode.Of(Load(presetOrPath, technology));
    }

    private static bool IsYamlFile(string presetOrPath) =>
        presetOrPath.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || presetOrPath.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    /// <summary>True for a Stream accelerator file: it maps core ids to core files and lists core_connectivity.</summary>
    public static bool IsStreamAccelerator(string presetOrPath)
    {
        if (!presetOrPath.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) && !presetOrPath.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            return false;
        var (_, root) = YamlReader.Load(presetOrPath);
        return YamlReader.Find(root, "core_connectivity") is not null && YamlReader.Find(root, "cores") is YamlMappingNode;
    }

    /// <summary>
    /// One core for intra-core mapping: a preset core name, a ZigZag/Stream core file (with its DRAM level when it has
    /// one), or a Tessera hardware file (its first chiplet's first core, with the package's first memory device seen
    /// from that core as the off-chip level). The off-chip level is null when the source has none.
    /// </summary>
    public static (Core Core, MemoryLevel? OffChip) LoadCore(string presetOrPath, TechnologyLibrary technology)
    {
        ArgumentNullException.ThrowIfNull(presetOrPath);
        var isFile = presetOrPath.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
            || presetOrPath.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
        Package package;
        if (isFile)
        {
            var (_, root) = YamlReader.Load(presetOrPath, lastKeyWins: true);
            if (YamlReader.Find(root, "operational_array") is not null)
            {
                var (core, offChip) = StreamHardwareImporter.LoadCore(presetOrPath, technology);
                return core is not null ? (core, offChip)
                    : throw new TesseraInputException($"{presetOrPath} describes a memory, not a compute core; expected a core with a non-empty operational_array");
            }
            package = Load(presetOrPath, technology);
        }
        else
        {
            var core = HardwarePresets.CreateCore(presetOrPath, technology);
            package = HardwarePresets.CreatePackage(core.Name == "simba-like" ? "simba-like-chiplet" : core.Name, technology);
        }
        var first = package.Chiplets.SelectMany(c => c.Design.Cores).FirstOrDefault()
            ?? throw new TesseraInputException($"{presetOrPath} has no compute core");
        var device = package.Memories.FirstOrDefault();
        return (first, device is null ? null
            : Costs.CostModelExtensions.OffChipLevel(device, device.BandwidthBytesPerSecond, device.EnergyPerBitPj, first.FrequencyHz));
    }

    /// <summary>
    /// A core for intra-core mapping (<see cref="LoadCore(string, TechnologyLibrary)"/>) with its off-chip level: the one
    /// <paramref name="offChipSpec"/> names (a DRAM type of the technology library, or a Stream memory core file), else
    /// the source's own, else <see cref="HardwarePresets.GenericDram"/>.
    /// </summary>
    public static (Core Core, MemoryLevel OffChip) LoadCore(string presetOrPath, string? offChipSpec, TechnologyLibrary technology)
    {
        ArgumentNullException.ThrowIfNull(technology);
        var (core, offChip) = LoadCore(presetOrPath, technology);
        return (core, offChipSpec is not null ? OffChipFrom(offChipSpec, core, technology) : offChip ?? OffChipFrom(HardwarePresets.GenericDram, core, technology));
    }

    private static MemoryLevel OffChipFrom(string spec, Core core, TechnologyLibrary technology)
    {
        if (spec.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || spec.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            return StreamHardwareImporter.LoadCore(spec, technology).OffChip
                ?? throw new TesseraInputException($"{spec} has no off-chip level; expected a memory core or a core whose outermost level is DRAM");
        if (!technology.DramTypes.Contains(spec))
            throw new TesseraInputException($"unknown off-chip memory '{spec}'{Suggestions.DidYouMean(spec, technology.DramTypes)}; expected a .yaml file or one of {string.Join(", ", technology.DramTypes)}");
        var device = HardwareDefaults.Device(technology, "dram", spec);
        return Costs.CostModelExtensions.OffChipLevel(device, device.BandwidthBytesPerSecond, device.EnergyPerBitPj, core.FrequencyHz);
    }
}
