// The lock type of the links' hot paths: System.Threading.Lock where the runtime has it (.NET 9 on), whose
// uncontended enter and exit cost about half of Monitor's; a plain object (Monitor) on .NET 8. `lock` takes either.
#if NET9_0_OR_GREATER
global using LinkLock = System.Threading.Lock;
#else
global using LinkLock = System.Object;
#endif
