// mqtt-packet builds, on its first write, a Buffer for each of the 65,536 packet ids: ~6.5 MB of heap
// that a gateway on a Pi would hold for good. Without the cache it makes a 2-byte Buffer per packet
// id it writes, which costs less than the cache saves at a building's rates.
import mqttPacket from 'mqtt-packet';

mqttPacket.writeToStream.cacheNumbers = false;
