using Tessera.Yaml;
using Tessera.Diagnostics;
using Tessera.Hardware.Presets;
using Tessera.Hardware.Stream;
using Tessera.Hardware.Yaml;
using Tessera.Technology;
using YamlDotNet.RepresentationModel;

namespace Tessera.Hardware;

/// <summary>Resolves a hardware argument: a preset name, a Tessera YAML file or a Stream accelerator file.</summary>
public static class HardwareLoader
{
    public static Package Load(string presetOrPath, TechnologyLibrary technology)
    {
        ArgumentNullException.ThrowIfNull(presetOrPath);
        ArgumentNullException.ThrowIfNull(technology);
        var isFile = presetOrPath.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
            || presetOrPath.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
        if (!isFile)
        {
            if (HardwarePresets.PackageNames.Contains(presetOrPath.Trim().ToLowerInvariant()))
                return HardwarePresets.CreatePackage(presetOrPath, technology);
            throw new TesseraInputException(
                $"unknown hardware '{presetOrPath}'; expected a .yaml file or one of {string.Join(", ", HardwarePresets.PackageNames)}");
        }
        return IsStreamAccelerator(presetOrPath)
            ? StreamHardwareImporter.Load(presetOrPath, technology) : TesseraHardwareYaml.Load(presetOrPath, technology);
    }

    /// <summary>True for a Stream accelerator file: it maps core ids to core files and lists core_connectivity.</summary>
    public static bool IsStreamAccelerator(string presetOrPath)
    {
        if (!presetOrPath.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) && !presetOrPath.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            return false;
        var (_, root) = YamlReader.Load(presetOrPath);
        return YamlReader.Find(root, "core_connectivity") is not null && YamlReader.Find(root, "cores") is YamlMappingNode;
    }
}
