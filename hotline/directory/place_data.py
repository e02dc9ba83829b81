"""The places callers name: Korean cities and districts, the US Korean communities, and the
cities along the route through China, Russia, Mongolia and South-East Asia.

One place a line: id | parent | kind | lat,lon | Korean names | English names |
other names (any language) | postal code prefixes. The country is the id's first two
letters. Names are comma-separated; the first Korean and English names are shown to
callers. Korean names ending in 구/시/군/도 also match without the ending (강남구 -> 강남).
Coordinates are approximate centres, good for "nearest" but not for a map.
"""

from __future__ import annotations

PLACES = """
kr||country|36.5,127.9|한국,대한민국,남한|South Korea,Korea,ROK|韩国,Южная Корея|
kr-seoul|kr|city|37.5665,126.978|서울,서울시,서울특별시|Seoul|首尔,Сеул|01,02,03,04,05,06,07,08,09
kr-seoul-jongno|kr-seoul|district|37.573,126.979|종로구|Jongno-gu,Jongno||030,031
kr-seoul-jung|kr-seoul|district|37.564,126.997|중구|Jung-gu||045,046
kr-seoul-yongsan|kr-seoul|district|37.532,126.990|용산구|Yongsan-gu,Yongsan||043,044
kr-seoul-seongdong|kr-seoul|district|37.563,127.037|성동구|Seongdong-gu,Seongdong||
kr-seoul-gwangjin|kr-seoul|district|37.538,127.082|광진구|Gwangjin-gu,Gwangjin||
kr-seoul-dongdaemun|kr-seoul|district|37.574,127.040|동대문구|Dongdaemun-gu,Dongdaemun||
kr-seoul-jungnang|kr-seoul|district|37.606,127.093|중랑구|Jungnang-gu,Jungnang||
kr-seoul-seongbuk|kr-seoul|district|37.589,127.017|성북구|Seongbuk-gu,Seongbuk||
kr-seoul-gangbuk|kr-seoul|district|37.640,127.011|강북구|Gangbuk-gu,Gangbuk||
kr-seoul-dobong|kr-seoul|district|37.669,127.047|도봉구|Dobong-gu,Dobong||
kr-seoul-nowon|kr-seoul|district|37.654,127.056|노원구|Nowon-gu,Nowon||016,017,018,019
kr-seoul-eunpyeong|kr-seoul|district|37.603,126.929|은평구|Eunpyeong-gu,Eunpyeong||
kr-seoul-seodaemun|kr-seoul|district|37.579,126.937|서대문구|Seodaemun-gu,Seodaemun||
kr-seoul-mapo|kr-seoul|district|37.566,126.902|마포구|Mapo-gu,Mapo||039,040,041
kr-seoul-yangcheon|kr-seoul|district|37.517,126.866|양천구|Yangcheon-gu,Yangcheon||079,080,081
kr-seoul-gangseo|kr-seoul|district|37.551,126.850|강서구|Gangseo-gu,Gangseo||075,076,077,078
kr-seoul-guro|kr-seoul|district|37.495,126.888|구로구|Guro-gu,Guro||082,083,084
kr-seoul-geumcheon|kr-seoul|district|37.457,126.895|금천구|Geumcheon-gu,Geumcheon||
kr-seoul-yeongdeungpo|kr-seoul|district|37.526,126.896|영등포구|Yeongdeungpo-gu,Yeongdeungpo||072,073,074
kr-seoul-dongjak|kr-seoul|district|37.512,126.940|동작구|Dongjak-gu,Dongjak||
kr-seoul-gwanak|kr-seoul|district|37.478,126.952|관악구|Gwanak-gu,Gwanak||087,088
kr-seoul-seocho|kr-seoul|district|37.484,127.033|서초구|Seocho-gu,Seocho||065,066,067,068
kr-seoul-gangnam|kr-seoul|district|37.517,127.047|강남구|Gangnam-gu,Gangnam||060,061,062,063
kr-seoul-songpa|kr-seoul|district|37.515,127.106|송파구|Songpa-gu,Songpa||055,056,057,058
kr-seoul-gangdong|kr-seoul|district|37.530,127.124|강동구|Gangdong-gu,Gangdong||052,053,054
kr-busan|kr|city|35.1796,129.0756|부산,부산시,부산광역시|Busan,Pusan|釜山,Пусан|46,47,48,49
kr-busan-jung|kr-busan|district|35.106,129.032|중구|Jung-gu||
kr-busan-gangseo|kr-busan|district|35.212,128.981|강서구|Gangseo-gu,Gangseo||
kr-busan-haeundae|kr-busan|district|35.163,129.164|해운대구|Haeundae-gu,Haeundae||
kr-busan-busanjin|kr-busan|district|35.163,129.053|부산진구|Busanjin-gu,Busanjin||
kr-incheon|kr|city|37.4563,126.7052|인천,인천시,인천광역시|Incheon,Inchon|仁川,Инчхон|21,22,23
kr-incheon-jung|kr-incheon|district|37.474,126.621|중구|Jung-gu||
kr-incheon-namdong|kr-incheon|district|37.447,126.731|남동구|Namdong-gu,Namdong||
kr-incheon-yeonsu|kr-incheon|district|37.410,126.678|연수구|Yeonsu-gu,Yeonsu||
kr-incheon-bupyeong|kr-incheon|district|37.507,126.722|부평구|Bupyeong-gu,Bupyeong||
kr-incheon-michuhol|kr-incheon|district|37.464,126.650|미추홀구|Michuhol-gu,Michuhol||
kr-incheon-gyeyang|kr-incheon|district|37.537,126.738|계양구|Gyeyang-gu,Gyeyang||
kr-daegu|kr|city|35.8714,128.6014|대구,대구시,대구광역시|Daegu,Taegu|大邱|41,42,43
kr-daejeon|kr|city|36.3504,127.3845|대전,대전시,대전광역시|Daejeon,Taejon|大田|34,35
kr-gwangju|kr|city|35.1595,126.8526|광주,광주시,광주광역시|Gwangju,Kwangju|光州|61,62
kr-ulsan|kr|city|35.5384,129.3114|울산,울산시,울산광역시|Ulsan|蔚山|44,45
kr-sejong|kr|city|36.4800,127.2890|세종,세종시|Sejong||30
kr-gyeonggi|kr|province|37.2750,127.0090|경기도,경기|Gyeonggi-do,Gyeonggi|京畿道|10,11,12,13,14,15,16,17,18,19,20
kr-gyeonggi-suwon|kr-gyeonggi|city|37.2636,127.0286|수원시|Suwon||
kr-gyeonggi-seongnam|kr-gyeonggi|city|37.4200,127.1267|성남시|Seongnam||
kr-gyeonggi-goyang|kr-gyeonggi|city|37.6584,126.8320|고양시,일산|Goyang,Ilsan||
kr-gyeonggi-yongin|kr-gyeonggi|city|37.2411,127.1776|용인시|Yongin||
kr-gyeonggi-bucheon|kr-gyeonggi|city|37.5034,126.7660|부천시|Bucheon||
kr-gyeonggi-ansan|kr-gyeonggi|city|37.3219,126.8309|안산시|Ansan||
kr-gyeonggi-anyang|kr-gyeonggi|city|37.3943,126.9568|안양시|Anyang||
kr-gyeonggi-hwaseong|kr-gyeonggi|city|37.1995,126.8312|화성시|Hwaseong||
kr-gyeonggi-siheung|kr-gyeonggi|city|37.3800,126.8029|시흥시|Siheung||
kr-gyeonggi-gimpo|kr-gyeonggi|city|37.6153,126.7156|김포시|Gimpo||
kr-gyeonggi-paju|kr-gyeonggi|city|37.7599,126.7800|파주시|Paju||
kr-gyeonggi-uijeongbu|kr-gyeonggi|city|37.7381,127.0337|의정부시|Uijeongbu||
kr-gyeonggi-pyeongtaek|kr-gyeonggi|city|36.9921,127.1129|평택시|Pyeongtaek||
kr-gyeonggi-namyangju|kr-gyeonggi|city|37.6360,127.2165|남양주시|Namyangju||
kr-gyeonggi-gwangju|kr-gyeonggi|city|37.4292,127.2551|광주시|Gwangju||
kr-gangwon|kr|province|37.8228,128.1555|강원도,강원|Gangwon-do,Gangwon|江原道|24,25,26
kr-gangwon-chuncheon|kr-gangwon|city|37.8813,127.7298|춘천시|Chuncheon||
kr-gangwon-wonju|kr-gangwon|city|37.3422,127.9202|원주시|Wonju||
kr-chungbuk|kr|province|36.6357,127.4917|충청북도,충북|Chungcheongbuk-do,North Chungcheong,Chungbuk||27,28,29
kr-chungbuk-cheongju|kr-chungbuk|city|36.6424,127.4890|청주시|Cheongju||
kr-chungnam|kr|province|36.5184,126.8000|충청남도,충남|Chungcheongnam-do,South Chungcheong,Chungnam||31,32,33
kr-chungnam-cheonan|kr-chungnam|city|36.8151,127.1139|천안시|Cheonan||
kr-jeonbuk|kr|province|35.7175,127.1530|전라북도,전북|Jeollabuk-do,North Jeolla,Jeonbuk||54,55,56
kr-jeonbuk-jeonju|kr-jeonbuk|city|35.8242,127.1480|전주시|Jeonju||
kr-jeonnam|kr|province|34.8679,126.9910|전라남도,전남|Jeollanam-do,South Jeolla,Jeonnam||57,58,59,60
kr-gyeongbuk|kr|province|36.4919,128.8889|경상북도,경북|Gyeongsangbuk-do,North Gyeongsang,Gyeongbuk||36,37,38,39,40
kr-gyeongbuk-pohang|kr-gyeongbuk|city|36.0190,129.3435|포항시|Pohang||
kr-gyeongnam|kr|province|35.4606,128.2132|경상남도,경남|Gyeongsangnam-do,South Gyeongsang,Gyeongnam||50,51,52,53
kr-gyeongnam-changwon|kr-gyeongnam|city|35.2280,128.6811|창원시|Changwon||
kr-jeju|kr|province|33.4996,126.5312|제주,제주도,제주시|Jeju,Jeju-do|济州|63
us||country|39.8,-98.6|미국|United States,USA,US,America|美国,США|
us-ca|us|state|36.78,-119.42|캘리포니아,캘리포니아주|California,CA|加州,Калифорния|90,91,92,93,94,95,96
us-la|us-ca|city|34.0522,-118.2437|로스앤젤레스,로스엔젤레스,엘에이,엘에이시|Los Angeles,LA,L.A.|洛杉矶,Лос-Анджелес|900,901,902,903,904,906,907,908,910,911,912,913,914,915,916,917,918
us-la-koreatown|us-la|district|34.0618,-118.3004|코리아타운,한인타운|Koreatown,K-town,Ktown||90005,90006,90010,90019,90020,90057
us-ca-torrance|us-ca|city|33.8358,-118.3406|토런스,토렌스|Torrance||905
us-oc|us-ca|county|33.7175,-117.8311|오렌지카운티,오렌지|Orange County,OC||926,927,928
us-oc-gardengrove|us-oc|city|33.7743,-117.9380|가든그로브|Garden Grove||9284
us-oc-fullerton|us-oc|city|33.8704,-117.9242|풀러턴,플러턴|Fullerton||9283
us-oc-buenapark|us-oc|city|33.8675,-117.9981|부에나파크|Buena Park||9062
us-oc-irvine|us-oc|city|33.6846,-117.8265|어바인|Irvine||9260,9261
us-ca-sandiego|us-ca|city|32.7157,-117.1611|샌디에이고|San Diego||919,920,921
us-ca-sf|us-ca|city|37.7749,-122.4194|샌프란시스코|San Francisco,SF|旧金山|941
us-wa|us|state|47.4,-120.7|워싱턴주|Washington State,Washington,WA||98,99
us-wa-seattle|us-wa|city|47.6062,-122.3321|시애틀|Seattle|西雅图|981
us-ny|us|state|42.9,-75.5|뉴욕주|New York State,NY||10,11,12,13,14
us-nyc|us-ny|city|40.7128,-74.0060|뉴욕,뉴욕시|New York,New York City,NYC|纽约,Нью-Йорк|100,101,102
us-nyc-flushing|us-nyc|district|40.7675,-73.8331|플러싱|Flushing||1135
us-nj|us|state|40.06,-74.41|뉴저지|New Jersey,NJ||07,08
us-nj-fortlee|us-nj|city|40.8509,-73.9701|포트리|Fort Lee||07024
us-nj-palisadespark|us-nj|city|40.8481,-73.9976|팰리세이즈파크,팰팍|Palisades Park||07650
us-il-chicago|us|city|41.8781,-87.6298|시카고|Chicago|芝加哥|606
us-dc|us|city|38.9072,-77.0369|워싱턴,워싱턴디씨|Washington DC,Washington,DC|华盛顿|200
us-va|us|state|37.43,-78.66|버지니아|Virginia,VA||22,23,24
us-va-annandale|us-va|city|38.8304,-77.1964|애넌데일,애난데일|Annandale||22003
us-ga|us|state|32.17,-82.90|조지아주|Georgia,GA||30,31
us-ga-atlanta|us-ga|city|33.7490,-84.3880|애틀랜타|Atlanta||303
us-ga-duluth|us-ga|city|34.0029,-84.1446|둘루스|Duluth||30096,30097
us-tx-houston|us|city|29.7604,-95.3698|휴스턴|Houston||770
us-tx-dallas|us|city|32.7767,-96.7970|댈러스|Dallas||752
us-hi-honolulu|us|city|21.3069,-157.8583|호놀룰루,하와이|Honolulu,Hawaii||968
cn||country|35.86,104.19|중국|China|中国,Китай|
cn-liaoning|cn|province|41.30,122.60|랴오닝,요녕|Liaoning|辽宁|
cn-shenyang|cn-liaoning|city|41.8057,123.4315|선양,심양|Shenyang|沈阳,Шэньян|110
cn-dandong|cn-liaoning|city|40.1290,124.3947|단둥,단동|Dandong|丹东,Даньдун|118
cn-dalian|cn-liaoning|city|38.9140,121.6147|다롄,대련|Dalian|大连|116
cn-jilin|cn|province|43.70,126.20|지린성,길림성|Jilin Province|吉林省|
cn-yanbian|cn-jilin|prefecture|42.89,129.51|옌볜,연변|Yanbian|延边|
cn-yanji|cn-yanbian|city|42.9048,129.5135|옌지,연길|Yanji|延吉,Яньцзи|133
cn-tumen|cn-yanbian|city|42.9667,129.8425|투먼,도문|Tumen|图们|
cn-hunchun|cn-yanbian|city|42.8680,130.3577|훈춘|Hunchun|珲春|
cn-longjing|cn-yanbian|city|42.7714,129.4233|룽징,용정|Longjing|龙井|
cn-helong|cn-yanbian|city|42.5464,129.0108|허룽,화룡|Helong|和龙|
cn-changchun|cn-jilin|city|43.8171,125.3235|창춘,장춘|Changchun|长春|130
cn-harbin|cn|city|45.8038,126.5350|하얼빈|Harbin|哈尔滨,Харбин|150
cn-beijing|cn|city|39.9042,116.4074|베이징,북경|Beijing,Peking|北京,Пекин|100,101,102
cn-qingdao|cn|city|36.0671,120.3826|칭다오,청도|Qingdao|青岛|266
cn-shanghai|cn|city|31.2304,121.4737|상하이,상해|Shanghai|上海,Шанхай|200
cn-yunnan|cn|province|25.0,101.5|윈난,운남|Yunnan|云南|
cn-kunming|cn-yunnan|city|24.8801,102.8329|쿤밍,곤명|Kunming|昆明,Куньмин|650
cn-jinghong|cn-yunnan|city|21.9977,100.7972|징훙,시솽반나|Jinghong,Xishuangbanna|景洪,西双版纳|666
cn-mengla|cn-yunnan|city|21.4597,101.5643|멍라|Mengla|勐腊|
cn-nanning|cn|city|22.8170,108.3665|난닝|Nanning|南宁|530
ru||country|61.52,105.31|러시아|Russia|Россия,俄罗斯|
ru-primorsky|ru|province|44.5,134.5|연해주,프리모리예|Primorsky Krai,Primorye|Приморский край,Приморье|
ru-vladivostok|ru-primorsky|city|43.1198,131.8869|블라디보스토크,블라디보스톡|Vladivostok|Владивосток,海参崴|690
ru-ussuriysk|ru-primorsky|city|43.7970,131.9519|우수리스크|Ussuriysk|Уссурийск|692
ru-nakhodka|ru-primorsky|city|42.8240,132.8924|나홋카,나호트카|Nakhodka|Находка|
ru-khabarovsk|ru|city|48.4827,135.0838|하바롭스크,하바로프스크|Khabarovsk|Хабаровск,哈巴罗夫斯克|680
ru-blagoveshchensk|ru|city|50.2907,127.5272|블라고베셴스크|Blagoveshchensk|Благовещенск|675
ru-moscow|ru|city|55.7558,37.6173|모스크바|Moscow|Москва,莫斯科|101,102,103,105,107,109,111,115,117,119,121,123,125,127,129
ru-spb|ru|city|59.9311,30.3609|상트페테르부르크|Saint Petersburg,St Petersburg|Санкт-Петербург|190,191,192,193,194,195,196,197,198,199
mn||country|46.86,103.85|몽골|Mongolia|Монголия,蒙古|
mn-ulaanbaatar|mn|city|47.8864,106.9057|울란바토르,울란바타르|Ulaanbaatar,Ulan Bator|Улан-Батор,乌兰巴托|
la||country|19.86,102.50|라오스|Laos|老挝,Лаос|
la-vientiane|la|city|17.9757,102.6331|비엔티안,위앙짠|Vientiane|万象,Вьентьян|
la-boten|la|city|21.1900,101.6700|보텐|Boten|磨丁|
la-luangnamtha|la|city|20.9586,101.4005|루앙남타|Luang Namtha|南塔|
th||country|15.87,100.99|태국|Thailand|泰国,Таиланд|
th-bangkok|th|city|13.7563,100.5018|방콕|Bangkok|曼谷,Бангкок|10
th-chiangrai|th|city|19.9105,99.8406|치앙라이|Chiang Rai|清莱|57
th-chiangsaen|th-chiangrai|city|20.2745,100.0870|치앙센|Chiang Saen|清盛|
th-maesai|th-chiangrai|city|20.4333,99.8833|매사이|Mae Sai|美赛|
th-chiangmai|th|city|18.7883,98.9853|치앙마이|Chiang Mai|清迈|50
vn||country|14.06,108.28|베트남|Vietnam,Viet Nam|越南,Вьетнам|
vn-hanoi|vn|city|21.0285,105.8542|하노이|Hanoi,Ha Noi|河内,Ханой|
vn-hcmc|vn|city|10.8231,106.6297|호찌민,호치민,사이공|Ho Chi Minh City,Saigon|胡志明市,Хошимин|
kh||country|12.57,104.99|캄보디아|Cambodia|柬埔寨,Камбоджа|
kh-phnompenh|kh|city|11.5564,104.9282|프놈펜|Phnom Penh|金边,Пномпень|
"""
