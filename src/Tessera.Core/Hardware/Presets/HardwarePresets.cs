using Tessera.Technology;

namespace Tessera.Hardware.Presets;

/// <summary>Built-in cores and packages whose numbers come from the technology library.</summary>
public static class HardwarePresets
{
    public static IReadOnlyList<string> CoreNames => throw new NotImplementedException();

    public static IReadOnlyList<string> PackageNames => throw new NotImplementedException();

    public static Core CreateCore(string name, TechnologyLibrary technology) => throw new NotImplementedException();

    public static Package CreatePackage(string name, TechnologyLibrary technology) => throw new NotImplementedException();
}
