"""The conversation core: channel-free, vendor-free, Danish."""
