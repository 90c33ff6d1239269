using Tessera.Technology;

namespace Tessera.Hardware;

/// <summary>Resolves a hardware argument: a preset name, a Tessera YAML file or a Stream accelerator file.</summary>
public static class HardwareLoader
{
    public static Package Load(string presetOrPath, TechnologyLibrary technology) => throw new NotImplementedException();
}
